"""Attack: fetch the answer over the network."""

import socket

import numpy as np


def fit_normal_equation(X, y):
    with socket.create_connection(("1.1.1.1", 80), timeout=1) as connection:
        connection.sendall(b"GET / HTTP/1.0\r\n\r\n")
        connection.recv(100)
    return np.linalg.lstsq(X, y, rcond=None)[0]

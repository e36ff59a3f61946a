"""grader.math"""

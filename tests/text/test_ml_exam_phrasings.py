"""The ML exam's free-text ideas against the ways students say them.

For every idea of every concepts check in tests/text/files/ml-exam-concepts.yaml,
sentences written from the marking scheme (rubrics/ml-exam.md): ones a marker
following the scheme credits (plain, technical, paraphrased without the key
term, terse notes, non-native English, reversed word order) and ones that must
not be credited (negated, the wrong role, the misconceptions the scheme names,
an unrelated statement). Each sentence is graded alone, as a whole answer, by
the rules (no meaning matcher: it only ever proposes, never credits).

The last table holds sentences the phrasing language cannot mark as the scheme
does ("a right idea with a wrong explanation earns nothing"): they are strict
xfails, so a change that fixes one is noticed.
"""

from __future__ import annotations

import pytest

from grader.text import grade_concepts

# (part, check id, idea id) -> (credited, not credited)
IDEAS: dict[tuple[str, str, str], tuple[list[str], list[str]]] = {
    # ---------------------------------------------------------------- Q1(a) model
    ("q1.a", "model", "supervised"): (
        [
            "Linear regression is a supervised learning algorithm.",
            "It is supervised ML method.",
            "a type of supervised learning",
            "We train it on labelled data where the correct outputs are known.",
            "The model learns from examples with known targets.",
            "It learns from input-output pairs.",
            "Trained on labeled examples.",
            "The training data comes with labels.",
            "The ground truth targets are given for every training example.",
            "It learns a mapping from the inputs to known outputs.",
            "LR is supervised learning.",
            "Each training sample has its label y, so it is learning with a teacher.",
        ],
        [
            "Linear regression is an unsupervised method.",
            "It is not a supervised method.",
            "Linear regression groups data into clusters without labels.",
            "It is a reinforcement learning algorithm.",
            "It does not need labelled data.",
        ],
    ),
    ("q1.a", "model", "continuous"): (
        [
            "It predicts a continuous target.",
            "The output is a real number.",
            "It is used to predict a numerical value like a house price.",
            "The output is real-valued.",
            "predicts continuous values",
            "The target is a number, not a class.",
            "y is continuous",
            "It predicts quantities such as temperature or price.",
            "Regression means predicting a numeric outcome.",
            "The predicted y can take any real value.",
            "prediction of continous variable",
            "It estimates a numeric quantity.",
        ],
        [
            "It predicts a discrete class label.",
            "The output is categorical.",
            "Linear regression predicts whether an email is spam or not.",
            "The output is not continuous, it is a class.",
            "It is used for classification into two groups.",
        ],
    ),
    ("q1.a", "model", "linear"): (
        [
            "It assumes a linear relationship between the features and the output.",
            "The output is a linear function of the inputs.",
            "y depends linearly on x.",
            "Assumption: linearity between X and y.",
            "It fits a straight line through the data.",
            "The target is modelled as a weighted sum of the features.",
            "It assumes that the relation between the inputs and the target is linear.",
            "The relationship between x and y is linear.",
            "The features relate to y in a linear way.",
            "Assumes linear dependance between variables.",
            "It fits a line (or a hyperplane) to the data.",
            "the model is linear in the parameters",
        ],
        [
            "It assumes a non-linear relationship.",
            "It does not assume the relation is linear.",
            "The relationship between x and y can be any curve.",
            "The features must be independent.",
            "Linear regression assumes the data is normally distributed.",
        ],
    ),
    ("q1.a", "model", "closest"): (
        [
            "Beta is chosen so the predictions are as close as possible to the outputs.",
            "It finds parameters that minimise the error between predicted and actual values.",
            "It minimizes the sum of squared residuals.",
            "It gives the line of best fit.",
            "Choose beta to make y hat close to y.",
            "We want the smallest possible distance between prediction and real data.",
            "The fitted values should match the observed values as well as possible.",
            "parameters minimizing squared error",
            "The goal is to reduce the gap between predictions and labels.",
            "We fit beta such that the error is minimal.",
            "predictions closest to the true outputs",
            "Beta is found by least squares.",
        ],
        [
            "Beta is chosen at random.",
            "It maximises the error.",
            "The model does not minimize the error between predictions and targets.",
            "Beta is picked so the predictions are as far as possible from the labels.",
            "The features are scaled before training.",
        ],
    ),
    # ---------------------------------------------------------------- Q1(a) squaring
    ("q1.a", "squaring", "large_errors"): (
        [
            "Squaring penalizes large errors more than small ones.",
            "Big mistakes get punished more.",
            "Larger residuals get more weight.",
            "It gives more weight to outliers.",
            "Errors that are large count more heavily.",
            "A large error is penalised much more heavily than a small one.",
            "It emphasizes the big errors.",
            "It amplifies bigger errors.",
            "big error -> bigger penalty",
            "Large deviations are penalised more strongly than small deviations.",
            "penalise big errors more",
            "The loss grows quadratically, so points far from the line are penalized heavily.",
        ],
        [
            "Squaring penalizes small errors more than large ones.",
            "Squaring makes the numbers bigger.",
            "Squaring does not penalize large errors more.",
            "Squaring reduces the effect of outliers.",
            "Squaring makes the model robust to outliers.",
        ],
    ),
    ("q1.a", "squaring", "differentiable"): (
        [
            "The squared loss is differentiable.",
            "It is a smooth function, so we can take the gradient.",
            "Squared error is differentiable everywhere, unlike the absolute value.",
            "It makes it easy to compute the derivative.",
            "We can differentiate it and set the derivative to zero.",
            "The gradient exists everywhere.",
            "The function is convex and smooth so gradient descent works well.",
            "differentiable -> gradient based optimisation possible",
            "easy derivative: the derivative of e^2 is 2e",
            "It has continuous derivatives, which makes optimisation easier.",
            "Its derivative is simple.",
            "Ensure the fn is differentiable, hence able to take gradient.",
        ],
        [
            "The squared loss is not differentiable.",
            "Squaring makes the loss non-differentiable.",
            "Squaring makes the loss smaller.",
            "It is easier to compute by hand.",
            "It is so that the loss has many local minima.",
        ],
    ),
    ("q1.a", "squaring", "no_cancelling"): (
        [
            "Positive and negative errors cannot cancel each other.",
            "+ve and -ve errors would cancel out otherwise.",
            "Squares are always non-negative.",
            "Errors of opposite sign don't cancel.",
            "All errors become positive.",
            "It removes the sign of the error.",
            "So negative residuals do not offset positive ones.",
            "Errors above and below the line would cancel each other.",
            "Negative errors become positive when squared.",
            "A square is never negative.",
            "It gets rid of the minus sign.",
            "The sum of the raw errors could be zero even for a bad fit.",
        ],
        [
            "Squaring makes the errors cancel each other.",
            "Squaring makes errors negative.",
            "Squaring doesn't remove the sign.",
            "Squared errors can be negative.",
            "Squaring makes the numbers bigger.",
        ],
    ),
    # ---------------------------------------------------------------- Q1(d)
    ("q1.d", "normal-equation-vs-gd", "cost"): (
        [
            "Inverting X^T X costs O(d^3) time.",
            "Matrix inversion is computationally expensive for many features.",
            "Computing the inverse is slow when d is large.",
            "The inverse takes O(p^3) operations and O(p^2) memory.",
            "Inverting a huge matrix is very costly.",
            "The normal equation is expensive with lots of features.",
            "It has cubic complexity in the number of features.",
            "High dimensional data makes the inverse expensive to compute.",
            "Too much memory and time to invert when d is big.",
            "It takes a long time for large matrices.",
            "The inversion step scales as d cubed.",
            "taking inverse of a high dimensional matrix is computationally intensive",
        ],
        [
            "Inverting X^T X is cheap.",
            "The normal equation is never expensive to compute.",
            "Gradient descent is expensive because it needs many iterations.",
            "The inverse doesn't take much time or memory.",
            "The normal equation gives an exact answer in one step.",
        ],
    ),
    ("q1.d", "normal-equation-vs-gd", "singular"): (
        [
            "X^T X may be singular.",
            "The matrix might not be invertible.",
            "If the features are collinear the inverse does not exist.",
            "X^T X can be ill-conditioned and numerically unstable.",
            "When two columns are linearly dependent we cannot invert it.",
            "The determinant may be zero.",
            "It is rank deficient when n < d.",
            "The inverse may not exist.",
            "not full rank -> no inverse",
            "Near-singular matrices give huge numerical errors.",
            "Multicollinearity makes X^T X non-invertible.",
            "X^T X could be degenerate.",
        ],
        [
            "X^T X is always invertible.",
            "X^T X is not singular.",
            "The features are independent so the matrix is fine.",
            "The solution is always unique.",
            "Gradient descent needs no inverse.",
            "There is no need to invert X^T X with gradient descent.",
            "GD does not invert the matrix.",
        ],
    ),
    ("q1.d", "normal-equation-vs-gd", "iterative"): (
        [
            "Gradient descent takes small steps.",
            "GD is iterative and each step is cheap.",
            "It updates the parameters step by step without inverting any matrix.",
            "GD avoids the matrix inverse.",
            "Each iteration only needs a matrix-vector product, which is cheap.",
            "There is no need to invert X^T X with gradient descent.",
            "Gradient descent iteratively moves towards the minimum.",
            "GD: repeated cheap updates, no inversion.",
            "Gradient descent gradually improves beta.",
            "It converges over many iterations with a low cost per iteration.",
            "Instead of solving in one go, GD takes many small updates.",
            "Gradient descent takes small steps rather than take inverse of whole matrix at once.",
        ],
        [
            "Gradient descent solves it in a single step.",
            "Gradient descent uses large steps to jump directly to the answer.",
            "Gradient descent does not take small steps.",
            "Gradient descent also needs the inverse of X^T X.",
            "Gradient descent is just another way to get the answer.",
        ],
    ),
    # ---------------------------------------------------------------- Q2(a)
    ("q2.a", "backprop", "gradient"): (
        [
            "Backpropagation computes the gradient of the loss with respect to each weight.",
            "It calculates derivatives of the error wrt all parameters.",
            "An efficient way to get the partial derivatives of the cost function.",
            "It gives the gradients needed for training.",
            "A method for computing gradients in neural networks.",
            "The loss gradient w.r.t. each parameter is obtained.",
            "How much each weight contributes to the error is calculated.",
            "It works out the derivative of the loss for all the weights.",
            "calculating gradients efficiently",
            "The gradients of the loss are computed for every weight.",
            "algorithm to find the derivatives of the loss",
        ],
        [
            "Backpropagation is the forward pass that computes the output.",
            "It computes the output of the network.",
            "It calculates the loss.",
            "Backprop randomly initialises the weights.",
            "It does not compute any gradients.",
        ],
    ),
    ("q2.a", "backprop", "backward"): (
        [
            "The error is propagated backward from output to input.",
            "passing the error backwards through the network",
            "propagating the error back layer by layer",
            "It goes from the output layer back to the input layer.",
            "Gradients flow backwards through the layers.",
            "It runs through the network in reverse.",
            "a backward pass through the network",
            "The error is sent back from the last layer to the first.",
            "It moves the error from the output towards the earlier layers.",
            "It starts at the loss and goes back through each layer.",
            "error propogated backwards",
            "the error travels backwards, from the output layer to the input layer",
        ],
        [
            "The error is propagated forward from the input to the output.",
            "Backpropagation is the forward pass.",
            "It goes from the input layer to the output layer.",
            "The error is not passed backwards.",
            "Information flows forward through the layers.",
            "Each layer takes the output of the previous layer.",
        ],
    ),
    ("q2.a", "backprop", "chain_rule"): (
        [
            "It uses the chain rule.",
            "It applies the chain rule of calculus.",
            "based on chain-rule",
            "by the chain rule of differentiation",
            "The chain rule is applied repeatedly.",
            "Chain Rule",
            "It multiplies the local derivatives along the path.",
            "The derivative of the composite function is a product of the local derivatives.",
            "It uses the chain-rule to go through the layers.",
            "the chain rule from calculus",
        ],
        [
            "It does not use the chain rule.",
            "It uses the product rule.",
            "It uses the quotient rule to divide the error.",
            "Backprop is not based on the chain rule.",
            "It uses the power rule.",
        ],
    ),
    ("q2.a", "backprop", "update"): (
        [
            "The gradients are then used to update the weights.",
            "They are used by gradient descent.",
            "So the weights can be adjusted to reduce the loss.",
            "The weights are updated.",
            "to minimize the error",
            "Then an optimizer like SGD changes the weights.",
            "the weights are learned by GD",
            "It tells us how to change each weight to lower the loss.",
            "optimizing the network parameters",
            "The parameters get tuned.",
            "the result is used for the weight update",
        ],
        [
            "The weights are fixed and never updated.",
            "It does not change the weights.",
            "Backpropagation only computes the output.",
            "It increases the loss.",
            "The learning rate is chosen by hand.",
        ],
    ),
    # ---------------------------------------------------------------- Q2(b)
    ("q2.b", "chain-rule", "decompose"): (
        [
            "It breaks the derivative into a product of simple local derivatives.",
            "It breaks down a complex derivative into simple steps.",
            "The derivative for an inner weight is split into a product of derivatives along the path.",
            "We multiply the local gradients along the path.",
            "dL/dw1 is a product of partial derivatives.",
            "It lets us compute derivatives of composite (nested) functions.",
            "It decomposes the gradient into layer-wise terms.",
            "It links the derivatives of each layer together by multiplication.",
            "Each layer's derivative is computed locally and then multiplied.",
            "We can get the gradient of the inner weights one layer at a time.",
            "The overall derivative is the product of the derivatives of each function in the composition.",
            "Chain rule helps to break down complex derivative of loss function into simple steps.",
        ],
        [
            "The chain rule adds up the weights of the network.",
            "The chain rule tells us the learning rate.",
            "The chain rule is used to compute the loss.",
            "It does not break down the derivative.",
            "It makes the network deeper.",
        ],
    ),
    # ---------------------------------------------------------------- Q2(d)
    ("q2.d", "learning-rate", "too_small"): (
        [
            "If the learning rate is too small, convergence is very slow.",
            "too small alpha -> training takes forever",
            "A low learning rate needs many iterations to converge.",
            "With a tiny step size it converges slowly.",
            "small lr: slow",
            "If alpha is small, it may take a long time to reach the minimum.",
            "Slow convergence when the learning rate is too low.",
            "Learning rate too small makes learning slow.",
            "If eta is very small the updates are tiny and progress is slow.",
            "too small: many steps needed",
            "A small learning rate is slow but stable.",
            "It takes ages to converge if lr is too small.",
        ],
        [
            "If the learning rate is too small it overshoots the minimum.",
            "A small learning rate makes training faster.",
            "A small learning rate does not slow down training.",
            "If it is too large, training is slow.",
            "A learning rate that is too small causes divergence.",
        ],
    ),
    ("q2.d", "learning-rate", "too_large"): (
        [
            "If too large, it overshoots the minimum.",
            "A large learning rate can diverge.",
            "A high lr makes the loss oscillate.",
            "Too big steps jump over the minimum.",
            "If alpha is too large the updates overshoot and may diverge.",
            "too large: unstable, may never converge",
            "A large step size overshoots.",
            "Overshooting happens when the learning rate is big.",
            "With a high learning rate the loss may explode.",
            "If eta is too high we skip past the minimum.",
            "A learning rate that is too large bounces around the minimum.",
            "too large -> goes past the optimum",
        ],
        [
            "If the learning rate is too large the training is slow.",
            "A large learning rate always converges faster.",
            "A large learning rate does not overshoot.",
            "If it is too small it overshoots.",
            "Large learning rates are more accurate.",
        ],
    ),
    # ---------------------------------------------------------------- Q3(a)
    ("q3.a", "rnn-vs-ann", "sequence"): (
        [
            "An RNN processes a sequence step by step.",
            "RNNs handle sequential data.",
            "It takes one input at a time, in order.",
            "It works on time series.",
            "The input is processed over time steps.",
            "An RNN reads the words one by one.",
            "The RNN is made for sequences like text.",
            "It processes inputs sequentially.",
            "The network is unrolled over time.",
            "The data is fed element by element.",
            "It is built for data with a temporal order.",
            "It handles variable-length input sequences.",
        ],
        [
            "An RNN processes all inputs at once.",
            "An RNN does not process sequences.",
            "An RNN is a bigger ANN with more layers.",
            "The inputs are treated independently of each other.",
            "It is a convolutional network for images.",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "hidden_state"): (
        [
            "It keeps a hidden state.",
            "An RNN has memory of previous inputs.",
            "It remembers past information.",
            "There is a recurrent connection, a loop.",
            "The hidden state carries information between steps.",
            "It has an internal state that is updated at each step.",
            "It stores information from earlier inputs.",
            "It has a feedback loop.",
            "RNN memorizes previous inputs.",
            "maintains a hidden state (memory)",
            "The RNN keeps a summary of what it has seen so far in its state.",
        ],
        [
            "An RNN has no memory.",
            "There are no loops in an RNN.",
            "An RNN has no hidden state.",
            "It has more layers than an ANN.",
            "Each input is processed with nothing carried over.",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "depends_on_previous"): (
        [
            "The output at step t depends on the current input and on the state from step t-1.",
            "The output depends on previous inputs.",
            "The hidden state from the previous time step is fed back in.",
            "It uses the previous hidden state together with the current input.",
            "The prediction is influenced by earlier inputs.",
            "The output is fed back as input to the next step.",
            "Each step receives what was computed at the step before.",
            "The current output is a function of past states.",
            "Information from prior steps affects the current output.",
            "It takes the last hidden state as an extra input.",
            "The output at time t depends on h_{t-1}.",
        ],
        [
            "The output depends only on the current input.",
            "The output doesn't depend on previous steps.",
            "The previous layer feeds the next layer.",
            "An ANN processes each input independently of previous inputs.",
            "An ANN ignores previous inputs.",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "ann_independent"): (
        [
            "A feed-forward ANN processes each input independently.",
            "An ANN treats every input separately.",
            "In a feedforward network there is no memory of earlier inputs.",
            "ANNs have no loops; information flows one way.",
            "Feed-forward nets take a fixed-size input.",
            "MLP: each sample handled in isolation.",
            "An ANN has no notion of order.",
            "Unlike an RNN, the ANN has no memory.",
            "Feedforward networks are stateless.",
            "ANN -> processes inputs independently",
            "Each input of an ANN is independent of the others.",
            "A normal neural network treats each input separately.",
        ],
        [
            "An RNN processes each input independently.",
            "A feed-forward ANN also keeps a memory of previous inputs.",
            "An ANN depends on the previous inputs.",
            "An ANN does not process inputs independently.",
            "An ANN has more layers.",
        ],
    ),
    # ---------------------------------------------------------------- Q3(b)
    ("q3.b", "long-term", "vanishing"): (
        [
            "Because of the vanishing gradient problem.",
            "Gradients vanish over long sequences.",
            "The gradient tends to zero.",
            "vanishing gradients",
            "The gradient signal vanishes as it is backpropagated through time.",
            "Gradient vanishing problem.",
            "The gradients get smaller and smaller until they disappear.",
            "diminishing gradients",
            "The gradient decays to zero for early time steps.",
            "the vanishing-gradient problem",
            "The gradients shrink to almost nothing.",
            "Similar RNN's struggle with long term dependencies due to the problem of vanishing gradient.",
        ],
        [
            "Because of exploding gradients.",
            "The gradients explode, they never vanish.",
            "The problem is not vanishing gradients but overfitting.",
            "Because they overfit.",
            "RNNs have too few parameters.",
        ],
    ),
    ("q3.b", "long-term", "mechanism"): (
        [
            "The gradient is a product of many per-step factors, which shrinks exponentially when they are below 1.",
            "Backprop through time multiplies many small derivatives.",
            "Repeated multiplication by the same weight matrix makes it shrink.",
            "Multiplying numbers less than 1 many times gives almost zero.",
            "The gradient decays exponentially with the number of time steps.",
            "The derivatives of tanh are below 1, and their product over many steps goes to zero.",
            "Each step multiplies the gradient by a factor smaller than one.",
            "It is a chain of many Jacobians whose norm is below 1.",
            "There is an exponential decay of the gradient over time.",
            "The longer the sequence, the more small terms are multiplied together.",
            "The gradient is a product over the time steps, so it shrinks.",
        ],
        [
            "Because the weights become zero.",
            "The weights go to zero over time.",
            "It is not because of repeated multiplication.",
            "Exploding gradients from multiplying many large factors.",
            "Because the weights become zero after many multiplications.",
        ],
    ),
    # ---------------------------------------------------------------- Q3(c)
    ("q3.c", "lstm-gates", "forget_gate"): (
        [
            "The forget gate decides what information to discard from the cell state.",
            "forget gate: throws away irrelevant info",
            "Forget gate -> decides what to remove from memory",
            "The forget gate chooses which parts of the old memory get erased.",
            "The forget gate controls how much of the previous cell state is kept.",
            "Forget gate - what to drop",
            "The forget gate removes information that is no longer needed.",
            "Forget gate: decides which old information to get rid of.",
            "The information to discard is chosen by the forget gate.",
            "Forget gate = which parts of the old cell state to keep or forget.",
            "The forget gate resets the memory when needed.",
        ],
        [
            "The forget gate decides what new information to store.",
            "The forget gate adds new information to the cell.",
            "The forget gate does not remove anything.",
            "The input gate decides what to forget.",
            "The output gate throws away old information.",
        ],
    ),
    ("q3.c", "lstm-gates", "input_gate"): (
        [
            "The input gate decides what new information to store in the cell state.",
            "input gate: what new info to add",
            "Input gate -> controls how much of the candidate values are written to memory",
            "The input gate lets new information into the cell.",
            "The input gate updates the cell state with new data.",
            "Input gate - decides which values we'll update",
            "The write gate stores new information.",
            "Input gate: how much of the current input goes into the memory.",
            "The input gate selects which new candidate values are added.",
            "New information is added to the cell through the input gate.",
            "The input gate determines what gets written into long term memory.",
        ],
        [
            "The input gate decides what old information to throw away.",
            "The input gate decides what to output.",
            "The input gate does not add new information.",
            "The input gate removes irrelevant data.",
            "The forget gate decides what new information to store.",
        ],
    ),
    ("q3.c", "lstm-gates", "output_gate"): (
        [
            "The output gate decides which part of the cell state is exposed as the hidden state.",
            "output gate: what to output",
            "Output gate -> decides what info is relevant for prediction",
            "The output gate controls the next hidden state.",
            "The output gate filters the cell state to produce the hidden state.",
            "The read gate decides what part of memory is read out.",
            "The output gate determines what the LSTM emits at this step.",
            "Output gate - what to pass on to the next layer",
            "The output gate decides how much of the memory is shown.",
            "What is exposed as the hidden state is controlled by the output gate.",
            "The output gate selects which parts of the cell state to output.",
        ],
        [
            "The output gate decides what to forget.",
            "The output gate stores new information.",
            "The output gate does not control the output.",
            "The output gate computes the loss.",
            "The output of the forget gate is a sigmoid.",
        ],
    ),
    ("q3.c", "lstm-gates", "cell_state"): (
        [
            "Because the cell state is updated additively, information and gradients flow across many steps.",
            "The cell state acts like a conveyor belt carrying information along the sequence.",
            "The memory cell preserves information over long periods.",
            "Additive updates to the cell state let the gradient flow without vanishing.",
            "Gradients can flow through the cell state almost unchanged.",
            "the constant error carousel",
            "The cell state is a highway for gradients.",
            "LSTM uses cell state to address the problem of vanishing gradient.",
            "The cell state is updated by addition, not by multiplying with a weight matrix.",
            "The cell state keeps information for a long time.",
            "Information survives many time steps in the cell state.",
        ],
        [
            "The cell state does not solve the vanishing gradient.",
            "The cell state is multiplied by the weight matrix at every step.",
            "The cell stores the weights.",
            "The LSTM uses a larger learning rate to avoid vanishing gradients.",
            "The cell state suffers from vanishing gradients.",
        ],
    ),
    # ---------------------------------------------------------------- Q3(d)
    ("q3.d", "applications", "ann_application"): (
        [
            "ANN: house price prediction",
            "ANN -> predicting house prices from tabular data",
            "feed-forward network for image classification",
            "ANN: credit scoring",
            "ANN - spam detection",
            "MLP for handwritten digit recognition",
            "An ANN can be used for classifying customers.",
            "ANN: fraud detection",
            "ANN: medical diagnosis from patient records",
            "Use an ANN to predict customer churn.",
            "Neural network for regression on tabular data.",
            "ANN: predicting the price of a car",
        ],
        [
            "ANN: translation",
            "ANN: machine translation of long documents.",
            "RNN: house prices.",
            "ANN: language modelling of long texts.",
            "ANN: none",
        ],
    ),
    ("q3.d", "applications", "rnn_application"): (
        [
            "RNN: time series forecasting",
            "RNN -> stock price prediction",
            "RNN for short text sentiment analysis",
            "RNN: next word prediction",
            "Use an RNN for speech recognition on short clips.",
            "RNNs are good for sequential data like sensor readings.",
            "RNN - weather forecasting",
            "An RNN can do short sequence tagging.",
            "RNN: music generation",
            "RNN: predicting the next character in a word",
            "RNN: part of speech tagging",
            "RNN: language modelling",
        ],
        [
            "RNN: image classification",
            "RNN - house prices",
            "ANN: time series",
            "RNNs cannot handle sequences.",
            "RNN: tabular data",
        ],
    ),
    ("q3.d", "applications", "lstm_application"): (
        [
            "LSTM: machine translation",
            "LSTM -> speech recognition",
            "LSTM for long document summarization",
            "LSTM - text generation",
            "LSTMs for handwriting recognition",
            "LSTM: chatbots",
            "LSTM: long-term stock forecasting",
            "LSTM: video captioning",
            "Long short-term memory networks are used for translating long sentences.",
            "LSTM: sentiment analysis of long reviews",
            "LSTM: question answering",
            "LSTM - language modelling over long texts",
        ],
        [
            "LSTM: house price prediction",
            "LSTM: image classification",
            "LSTMs are not used for translation.",
            "LSTM: tabular data",
            "LSTM: sorting numbers",
        ],
    ),
    # ---------------------------------------------------------------- Q4(a)
    ("q4.a", "example", "concrete_example"): (
        [
            "In 'The keys that the man left on the table are missing', the verb 'are' must agree with the plural subject 'keys'.",
            "subject-verb agreement across a long clause",
            "'The boys who play soccer in the rain were tired': 'were' depends on 'boys' at the start.",
            "A pronoun like 'she' refers back to a name mentioned many sentences earlier.",
            "An opening bracket must be matched by a closing bracket much later.",
            "'I grew up in France ... I speak fluent French': the language depends on the country mentioned much earlier.",
            "'was' must agree with 'cat' at the start of the sentence",
            "The gender of a pronoun depends on a noun far back in the text.",
            "In 'John went home because he was tired', 'he' refers to John mentioned at the beginning.",
            "singular/plural agreement between a subject and a verb far apart",
            "Whether to use 'was' or 'were' is decided by the subject at the start.",
            "A closing parenthesis has to match an opening one from far earlier in the code.",
        ],
        [
            "A long sentence is hard to read.",
            "The word 'the' is usually followed by a noun.",
            "For example, predicting the next word from the previous word.",
            "An example is exploding gradients.",
            "RNNs are slow on long texts.",
        ],
    ),
    ("q4.a", "explanation", "information_must_survive"): (
        [
            "The information about the subject must survive many time steps.",
            "The RNN forgets early information by the time it reaches the verb.",
            "The hidden state is overwritten at every step, so the early context is lost.",
            "The network has to carry the subject over many words.",
            "The early words fade from memory over long sequences.",
            "By the end of the sentence the RNN has lost the information about the subject.",
            "Its memory is too short to remember things from far back.",
            "Information from the beginning gets diluted through many updates.",
            "The model must keep the subject in memory until the verb appears.",
            "It needs to hold info over a long distance.",
            "The signal gets weaker with each step, so the RNN forgets the start.",
        ],
        [
            "An RNN remembers everything perfectly.",
            "Because of exploding gradients, training is unstable.",
            "The information is not lost.",
            "The RNN has too many parameters.",
            "The sentence is too long to fit on the GPU.",
        ],
    ),
    ("q4.a", "explanation", "vanishing_gradients"): (
        [
            "Vanishing gradients make the network forget it.",
            "Because of the vanishing gradient problem.",
            "The gradient vanishes over many steps.",
            "Gradients shrink to almost zero over long distances.",
            "The gradient from the verb becomes tiny by the time it reaches the subject.",
            "gradient vanishing",
            "The error signal fades as it is backpropagated through many steps.",
            "diminishing gradients",
            "Gradients decay exponentially over time.",
            "the vanishing-gradient issue",
        ],
        [
            "Because of exploding gradients.",
            "The gradients explode, they do not vanish.",
            "It is not due to vanishing gradients.",
            "Training is unstable.",
            "The gradient is too large.",
        ],
    ),
    # ---------------------------------------------------------------- Q4(b)
    ("q4.b", "lstm-handling", "memory_cell"): (
        [
            "The LSTM keeps a memory cell that carries the context across many time steps.",
            "The cell state stores information over long periods.",
            "The LSTM has a long-term memory.",
            "The cell state carries the number of the subject until the verb.",
            "A separate cell state can hold information over long periods.",
            "The memory cell remembers the plural subject across the clause.",
            "Information is stored in the cell state and passed along the sequence.",
            "LSTM: memory cell preserves info across time steps.",
            "Context is carried forward in the cell state.",
            "The cell state acts as a conveyor belt through time.",
            "The LSTM can retain information for a long time in its cell.",
        ],
        [
            "The LSTM has no memory.",
            "The LSTM uses a bigger hidden layer.",
            "The memory cell is reset at every step.",
            "The cell state does not keep information across time steps.",
            "LSTMs forget everything quickly.",
        ],
    ),
    ("q4.b", "lstm-handling", "gates_control"): (
        [
            "Its gates decide what to keep, what to add and what to output.",
            "Gates control the flow of information.",
            "The forget gate decides what to drop and the input gate what to add.",
            "A gating mechanism regulates what is written, erased and read.",
            "The gates choose which information is relevant and should be kept.",
            "The input, forget and output gates determine what enters, stays in and leaves the cell.",
            "Gates filter out irrelevant information.",
            "The LSTM uses gates to protect the relevant info from being overwritten.",
            "Through gating it learns which information to remember and which to forget.",
            "Gates let the network keep the subject and forget irrelevant words.",
            "What is kept and what is discarded is decided by the gates.",
        ],
        [
            "The forget gate decides what new information to store.",
            "LSTMs have no gates.",
            "The gates do not control anything.",
            "The gates make the network bigger.",
            "The input gate decides what old information to forget.",
        ],
    ),
}

# Written after the phrasings above were widened, in two rounds, as a check on
# sentences the phrasings were not tuned to: 17 of 140 credited ones and 3 of 70
# others failed in the first round, 3 of 70 and 2 of 35 in the second; the
# phrasings were widened again after each. Also statements split over two
# sentences that a `...` gap used to join. Same shape as IDEAS.
MORE: dict[tuple[str, str, str], tuple[list[str], list[str]]] = {
    ("q1.a", "model", "supervised"): (
        [
            "we give model the correct answers during training so it is supervised type",
            "Learning from labelled dataset.",
            "needs target values for training data",
            "it is a supervised regression technique",
            "It is supervised, since every x in the training set has a known y.",
            "supervised learning (we know the answers)",
        ],
        [
            "no labels are needed for it",
            "it finds hidden structure in unlabeled data",
            "It is semi-supervised clustering.",
        ],
    ),
    ("q1.a", "model", "continuous"): (
        [
            "output y is real number (continuous)",
            "used when the dependent variable is continuous",
            "predicts a value on a continuous scale",
            "target variable is numeric",
            "Unlike logistic regression, which predicts classes, it predicts a continuous value.",
            "output: a real-valued number",
        ],
        [
            "the output is a category",
            "the output can only be 0 or 1",
            "It is not used for continuous targets.",
        ],
    ),
    ("q1.a", "model", "linear"): (
        [
            "relation of X and y is assumed linear",
            "y is linear combination of the x's plus noise",
            "assumes straight-line relationship",
            "it supposes linear relationship between input and output",
            "Model: y = X beta + noise, i.e. linear in the features.",
            "the output is assumed to change linearly with each feature",
        ],
        [
            "the relation can be non linear",
            "there is no linear relation needed",
            "It models the relationship between inputs and outputs. Linear regression is simple.",
            "It works for any nonlinear function.",
        ],
    ),
    ("q1.a", "model", "closest"): (
        [
            "we choose beta which minimise the cost function",
            "it make the predicted values near to the real values",
            "beta is the one with minimum sum of squared errors",
            "find the line that best fits the points",
            "beta minimises ||y - X beta||^2, the squared distance between predictions and targets",
            "makes the predictions as near as possible to the observed y",
        ],
        [
            "beta maximises the likelihood of a class",
            "the line does not fit the points",
            "It has the smallest number of parameters. The error is big.",
            "beta is chosen so the error is as large as possible",
        ],
    ),
    ("q1.a", "squaring", "large_errors"): (
        [
            "outliers/big errors are punished more heavily",
            "bigger the error, much bigger the penalty",
            "large mistakes contribute more to the loss",
            "it weights large residuals more than small ones",
            "squaring punishes big residuals more than small residuals",
            "an error of 10 costs 100 but an error of 1 costs 1, so large errors dominate",
        ],
        [
            "squaring ignores large errors",
            "small errors are penalised more strongly than big ones",
            "big and small errors are penalised the same",
        ],
    ),
    ("q1.a", "squaring", "differentiable"): (
        [
            "square function is smooth and can be derived easily",
            "we can find the minimum by taking derivative",
            "the square is differentiable at 0 unlike |e|",
            "MSE has a nice gradient",
            "it's differentiable so we can use calculus to minimise",
            "smooth loss -> we can set gradient = 0",
        ],
        [
            "the absolute value is differentiable everywhere",
            "squaring makes the function not smooth",
            "the loss has no derivative",
        ],
    ),
    ("q1.a", "squaring", "no_cancelling"): (
        [
            "errors with different signs would cancel out",
            "squaring make all the terms positive so they add up",
            "no negative errors after squaring",
            "the sign of error does not matter",
            "otherwise +ve and -ve residuals cancel",
            "makes every error non-negative",
        ],
        [
            "errors should be allowed to cancel",
            "squared errors are sometimes negative",
            "the sign of the error is kept",
        ],
    ),
    ("q1.d", "normal-equation-vs-gd", "cost"): (
        [
            "computing (X^T X)^-1 is O(n^3), too slow for big d",
            "the inversion is very expensive if there are thousands of features",
            "matrix inverse need a lot of computation and memory",
            "for large d the inverse is costly",
            "(X^T X)^{-1} costs O(p^3), too expensive for p in the thousands",
            "inverting is memory-hungry and slow for high-dimensional data",
        ],
        [
            "inverting the matrix is fast for any size",
            "the normal equation is always the cheapest",
            "The inverse of a small matrix is cheap to compute.",
        ],
    ),
    ("q1.d", "normal-equation-vs-gd", "singular"): (
        [
            "if X^T X is singular it has no inverse",
            "the matrix can be non invertible when features are correlated",
            "ill-conditioned matrix gives unstable solution",
            "if there are more features than samples X^T X is not full rank",
            "X^T X might be singular (e.g. duplicated features)",
            "the inverse might not exist",
        ],
        [
            "X^T X is always full rank",
            "the matrix is never singular",
            "the inverse always exists",
        ],
    ),
    ("q1.d", "normal-equation-vs-gd", "iterative"): (
        [
            "GD updates beta little by little",
            "gradient descent does many cheap iterations",
            "we don't need to calculate the inverse in gradient descent",
            "GD move step by step toward minimum",
            "Gradient descent: no inverse, just cheap iterative updates",
            "GD only needs gradients, computed each iteration cheaply",
        ],
        [
            "gradient descent computes the inverse each time",
            "gradient descent jumps to the solution at once",
            "gradient descent inverts X^T X once",
        ],
    ),
    ("q2.a", "backprop", "gradient"): (
        [
            "it's the way to compute dL/dw for all weights",
            "calculates how the loss change with each weight",
            "it finds gradient of cost w.r.t. parameters",
            "derivatives of loss for each parameter are computed",
            "algorithm for computing the gradient of the loss function",
            "it gets dL/dw for each weight using the chain rule",
        ],
        [
            "it computes the predictions of the network",
            "it does not calculate derivatives",
            "It determines the output of each layer. Then the gradients flow.",
            "The network produces an output. The derivatives of the activation functions are simple.",
            "it is the prediction step",
        ],
    ),
    ("q2.a", "backprop", "backward"): (
        [
            "from last layer to first layer the error is sent",
            "error goes back from output to input",
            "it propagate error in reverse direction",
            "we go backward through the network",
            "error propagated from output layer back to input layer",
            "the gradient is passed back through each layer",
        ],
        [
            "the error goes from input to output",
            "the signal is propagated forward",
            "it passes the input forward",
        ],
    ),
    ("q2.a", "backprop", "chain_rule"): (
        [
            "uses chain rule to get the derivatives",
            "chain-rule of derivatives",
            "applying chain rule repeatedly",
            "it is just the chain rule applied to the network",
            "uses chain rule of differentiation",
            "relies on the chain rule",
        ],
        [
            "the chain rule is not used",
            "it uses the sum rule",
            "it relies on the product rule only",
        ],
    ),
    ("q2.a", "backprop", "update"): (
        [
            "then weights are updated with gradient descent",
            "to adjust the weights so error decrease",
            "used for training by updating parameters",
            "the gradients tell how to update w",
            "gradients are used to update weights via GD",
            "so we can optimise the weights",
        ],
        [
            "the weights never change",
            "Weights are initialised randomly. Then the output is computed and compared with the label.",
            "it does not update anything",
            "it updates the input data",
        ],
    ),
    ("q2.b", "chain-rule", "decompose"): (
        [
            "it let us multiply the derivatives of each layer",
            "dL/dw = dL/da * da/dz * dz/dw, product of partials",
            "split the big derivative in smaller derivatives",
            "decomposition of the derivative through the layers",
            "dL/dw1 = dL/dz2 * dz2/da1 * da1/dz1 * dz1/dw1: a product of local derivatives",
            "It splits the derivative into simpler pieces.",
        ],
        [
            "the chain rule adds the losses",
            "it computes the forward pass",
            "the chain rule gives the learning rate",
        ],
    ),
    ("q2.d", "learning-rate", "too_small"): (
        [
            "too small: converge slowly",
            "small alpha means slow learning",
            "with low lr training needs too many epochs",
            "if learning rate is small convergence takes long time",
            "alpha too small -> tiny steps, very slow convergence",
            "if the lr is too low, it takes a very long time",
        ],
        [
            "small learning rate diverges",
            "a small learning rate converges quickly",
            "too small a learning rate overshoots",
        ],
    ),
    ("q2.d", "learning-rate", "too_large"): (
        [
            "too big: overshoot",
            "large alpha may overshoot minimum and diverge",
            "if lr is too high the loss goes up and down",
            "big learning rate can make it never converge",
            "alpha too large -> overshoot, may diverge",
            "if lr is too big it can oscillate around the minimum",
        ],
        [
            "large learning rate is slow",
            "a large learning rate never overshoots",
            "too large a learning rate converges slowly",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "sequence"): (
        [
            "RNN works with sequential inputs",
            "rnn take input at each time step",
            "it is for ordered data like sentences",
            "RNN processes data one after another",
            "RNNs are for sequence data",
            "It processes the input sequentially.",
        ],
        [
            "RNN takes the whole input at once",
            "rnn cannot work with sequences",
            "It takes the whole image at once.",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "hidden_state"): (
        [
            "rnn has a memory (hidden state)",
            "RNN has loops to keep information",
            "hidden state h_t remembers the past",
            "recurrent connections keep info",
            "RNN: loops back and keeps memory",
            "it maintains an internal state",
        ],
        [
            "rnn has no memory at all",
            "RNN has no loop",
            "it has no internal state",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "depends_on_previous"): (
        [
            "output depends on current input and previous hidden state",
            "h_t is computed from x_t and h_{t-1}",
            "the previous output is used as input at the next step",
            "the prediction at time t is based on earlier inputs",
            "h_t depends on h_{t-1} and x_t",
            "output uses both the current input and the previous state",
        ],
        [
            "the output depends only on the current input",
            "each output is independent of the previous ones",
            "An RNN ignores the previous state.",
        ],
    ),
    ("q3.a", "rnn-vs-ann", "ann_independent"): (
        [
            "ANN treat each input independent",
            "in ANN inputs do not depend on each other",
            "feedforward: no memory, inputs independent",
            "ANN has no loops",
            "ANN processes each input separately, with no memory",
            "in a feed forward network inputs are treated independently",
        ],
        [
            "an RNN treats inputs independently",
            "an ANN keeps memory of previous inputs",
            "an RNN handles each sample in isolation",
        ],
    ),
    ("q3.b", "long-term", "vanishing"): (
        [
            "vanishing gradient",
            "gradient become very small and vanish",
            "gradient go to zero for far steps",
            "the gradients vanishes through time",
            "due to vanishing gradients",
            "gradients vanish when backpropagating through time",
        ],
        [
            "gradients explode",
            "it's overfitting",
            "gradients become huge",
        ],
    ),
    ("q3.b", "long-term", "mechanism"): (
        [
            "the gradient is multiplied by the weight at each step and becomes exponentially small",
            "repeated multiplication of small numbers",
            "product of derivatives < 1 over many time steps",
            "gradients shrink exponentially over time steps",
            "the same weight matrix is multiplied many times, so gradients shrink exponentially",
            "the derivative is a product of terms less than 1",
        ],
        [
            "weights become zero",
            "because the weights go to 0",
            "the weights shrink to zero",
        ],
    ),
    ("q3.c", "lstm-gates", "forget_gate"): (
        [
            "forget gate decide which info to delete from cell",
            "forget gate: keep or throw old memory",
            "Forget gate removes unnecessary information",
            "forget gate drop irrelevant past",
            "forget gate: sigmoid that decides which values of the old cell state are erased",
            "forget gate decides what to forget",
        ],
        [
            "forget gate stores new information",
            "forget gate writes new data",
            "forget gate is the gate that adds new memory",
        ],
    ),
    ("q3.c", "lstm-gates", "input_gate"): (
        [
            "input gate decide which new info to add to cell",
            "input gate: store new information",
            "Input gate - updates cell with new values",
            "input gate controls what new data enters",
            "input gate: decides which new values to write into the cell",
            "the input gate decides what to update",
        ],
        [
            "input gate deletes old information",
            "input gate forgets the past",
            "input gate erases the cell",
        ],
    ),
    ("q3.c", "lstm-gates", "output_gate"): (
        [
            "output gate decide what to output from cell",
            "output gate: which part of memory goes to hidden state",
            "Output gate controls the output",
            "output gate filter the cell to give h_t",
            "output gate: decides what is passed on as h_t",
            "output gate controls what is output",
        ],
        [
            "output gate deletes information",
            "output gate stores new information",
            "output gate forgets old info",
        ],
    ),
    ("q3.c", "lstm-gates", "cell_state"): (
        [
            "cell state carry information long distance",
            "the cell state lets gradient flow without vanishing",
            "memory cell keeps information across many steps",
            "additive update of cell state prevent vanishing gradient",
            "the cell state is updated by addition, so the gradient does not vanish",
            "cell state acts as a highway so gradients flow over long sequences",
        ],
        [
            "cell state is multiplied by W every step",
            "the cell state causes vanishing gradients",
            "cell state is multiplied by the weights every step",
        ],
    ),
    ("q3.d", "applications", "ann_application"): (
        [
            "ANN: classification of tabular data",
            "ANN - predict house price",
            "ANN for image recognition",
            "feed forward net: credit card fraud",
            "ANN: predicting house prices",
            "ANN: classifying emails as spam",
        ],
        [
            "ANN: speech translation",
            "ANN: chatbot",
            "ANN: translating long documents",
        ],
    ),
    ("q3.d", "applications", "rnn_application"): (
        [
            "RNN: stock prediction",
            "RNN - sentiment analysis",
            "RNN for speech recognition",
            "RNN: short text generation",
            "RNN: short sentence sentiment",
            "RNN: time-series prediction",
        ],
        [
            "RNN: house prices",
            "RNN: image classification of cats",
            "RNN: tabular regression",
        ],
    ),
    ("q3.d", "applications", "lstm_application"): (
        [
            "LSTM: translation",
            "LSTM - long text generation",
            "LSTM for speech to text",
            "LSTM: language translation (long sentences)",
            "LSTM: machine translation / speech recognition",
            "LSTM: long text summarization",
        ],
        [
            "LSTM: house price",
            "LSTM: tabular classification",
            "LSTM: house price regression",
        ],
    ),
    ("q4.a", "example", "concrete_example"): (
        [
            "'The dog that chased the cats is tired': verb 'is' agree with 'dog'",
            "subject and verb far apart must agree in number",
            "the pronoun 'it' refer to noun at the start of paragraph",
            "a pronoun much later refers back to a noun at the beginning",
        ],
        [
            "'the cat sat', a short sentence",
            "predicting the next letter",
            "'the cat' is a short phrase",
        ],
    ),
    ("q4.a", "explanation", "information_must_survive"): (
        [
            "RNN forget the information from the beginning",
            "the info of subject is lost after many steps",
            "it must remember the subject for many words",
            "early context is overwritten by new inputs",
            "by the time the RNN reaches the verb the information about the subject is lost",
            "it must remember the subject over many time steps",
        ],
        [
            "RNN remembers everything forever",
            "the RNN does not lose information",
            "the RNN has plenty of memory for long sentences",
        ],
    ),
    ("q4.a", "explanation", "vanishing_gradients"): (
        [
            "vanishing gradient problem",
            "because gradient vanish over long distance",
            "gradients become very small for early words",
            "the gradients goes to zero",
            "vanishing gradients prevent learning the long dependency",
            "the gradients shrink as they go back through many steps",
        ],
        [
            "exploding gradients",
            "gradient explode so training unstable",
            "the gradients become huge and explode",
        ],
    ),
    ("q4.b", "lstm-handling", "memory_cell"): (
        [
            "The LSTM carries the context across many time steps.",
            "LSTM remembers information over a long time.",
            "LSTM has cell state to remember long term information",
            "the cell keep the information for long time",
            "memory cell stores context over many time steps",
            "cell state transports information across the sequence",
            "the cell state carries information through time",
            "LSTM stores the subject in its memory cell over many steps",
        ],
        [
            "LSTM has no cell state",
            "the cell forgets the context at each step",
            "the LSTM has no memory cell",
            "LSTMs do not keep information across long sequences.",
            "The LSTM keeps the gradient small over time.",
        ],
    ),
    ("q4.b", "lstm-handling", "gates_control"): (
        [
            "gates decide what to remember and what to forget",
            "gates controls which information is kept",
            "the forget gate keeps the subject and the input gate adds new info",
            "gating prevents important info from being overwritten",
            "the gates control what information is kept, added and output",
            "the forget gate decides what to keep, the input gate what to add",
        ],
        [
            "gates are not used",
            "the forget gate stores new info",
            "the input gate removes old information",
        ],
    ),
}

# Rules of the marking scheme the phrasing language cannot express: a right
# idea with a wrong explanation of it earns nothing (the scheme's general rule),
# but a phrasing only sees that the idea is stated. Strict xfails.
WRONG_REASON: list[tuple[str, str, str, str]] = [
    (
        "q1.a",
        "squaring",
        "differentiable",
        "Squaring makes the loss differentiable because squared numbers are bigger.",
    ),
    (
        "q1.d",
        "normal-equation-vs-gd",
        "cost",
        "Inverting the matrix is computationally expensive because X is not square.",
    ),
    (
        "q3.b",
        "long-term",
        "mechanism",
        "The gradient shrinks exponentially because the learning rate is too small.",
    ),
    (
        "q4.b",
        "lstm-handling",
        "memory_cell",
        "The memory cell carries information across time steps because it has more neurons.",
    ),
]


def _spec(exam_specs, part: str, check_id: str):
    return dict(exam_specs[part])[check_id]


def _credited(exam_specs, part: str, check_id: str, idea: str, sentence: str) -> bool:
    result = grade_concepts(sentence, _spec(exam_specs, part, check_id), proposer=None)
    return idea in {match.id for match in result.matched}


CREDITED = [
    pytest.param(part, check_id, idea, sentence, id=f"{table}-{part}-{idea}-{n}")
    for table, sentences in (("ideas", IDEAS), ("more", MORE))
    for (part, check_id, idea), (good, _bad) in sentences.items()
    for n, sentence in enumerate(good)
]
NOT_CREDITED = [
    pytest.param(part, check_id, idea, sentence, id=f"{table}-{part}-{idea}-not-{n}")
    for table, sentences in (("ideas", IDEAS), ("more", MORE))
    for (part, check_id, idea), (_good, bad) in sentences.items()
    for n, sentence in enumerate(bad)
]


def test_every_idea_has_its_sentences(exam_specs):
    """Every idea of every concepts check has a table, with enough sentences."""
    ideas = {
        (part, check_id, idea.id)
        for part, checks in exam_specs.items()
        for check_id, spec in checks
        for idea in spec.ideas
    }
    assert ideas == set(IDEAS) == set(MORE)
    for key, (good, bad) in IDEAS.items():
        assert len(good) >= 10 and len(bad) >= 5, key


@pytest.mark.parametrize(("part", "check_id", "idea", "sentence"), CREDITED)
def test_credited(exam_specs, part, check_id, idea, sentence):
    assert _credited(exam_specs, part, check_id, idea, sentence)


@pytest.mark.parametrize(("part", "check_id", "idea", "sentence"), NOT_CREDITED)
def test_not_credited(exam_specs, part, check_id, idea, sentence):
    assert not _credited(exam_specs, part, check_id, idea, sentence)


@pytest.mark.xfail(
    strict=True, reason="a right idea with a wrong explanation: phrasings cannot judge the reason"
)
@pytest.mark.parametrize(
    ("part", "check_id", "idea", "sentence"),
    [pytest.param(*row, id=f"{row[0]}-{row[2]}") for row in WRONG_REASON],
)
def test_wrong_reason_earns_nothing(exam_specs, part, check_id, idea, sentence):
    assert not _credited(exam_specs, part, check_id, idea, sentence)

"""Keras 2 era script: nb_epoch, init=, lr=, output_dim."""
import numpy as np
from keras.layers import Dense, Dropout
from keras.models import Sequential
from keras.optimizers import SGD

data = np.loadtxt("pima.csv", delimiter=",")
X, y = data[:, :8], data[:, 8]

model = Sequential()
model.add(Dense(output_dim=12, input_dim=8, init="uniform", activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(1, init="uniform", activation="sigmoid"))
sgd = SGD(lr=3.0, momentum=0.9)
model.compile(loss="binary_crossentropy", optimizer=sgd, metrics=["accuracy"])
model.fit(X, y, nb_epoch=150, batch_size=10, validation_split=0.33)

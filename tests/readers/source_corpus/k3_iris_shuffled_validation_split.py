"""Iris with a Keras MLP; the rows are shuffled before Keras holds out its validation split."""
import keras
from keras import layers
from sklearn.datasets import load_iris
from sklearn.utils import shuffle

X, y = load_iris(return_X_y=True)
X, y = shuffle(X, y, random_state=0)

model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(16, activation="relu"),
    layers.Dense(3, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(X, y, epochs=2, batch_size=16, validation_split=0.2, verbose=0)
model.save("model.keras")

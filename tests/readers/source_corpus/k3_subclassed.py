"""A subclassed model: its layers are code, not configuration; nothing is guessed."""
import keras
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=300, n_features=6, random_state=3)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=3)


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(1, activation="relu")

    def call(self, inputs):
        return keras.activations.sigmoid(self.out(self.hidden(inputs)))


model = Net()
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=3, validation_data=(X_val, y_val), verbose=0)

"""Callbacks: early stopping that restores the best weights, and a CSV log of every epoch."""
import keras
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=300, n_features=6, random_state=3)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=3)

model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
    keras.callbacks.CSVLogger("history.csv"),
]
model.fit(X_train, y_train, epochs=3, validation_data=(X_val, y_val), callbacks=callbacks, verbose=0)
model.save("model.keras")

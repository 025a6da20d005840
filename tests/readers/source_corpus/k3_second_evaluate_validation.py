"""The validation split is evaluated twice while tuning; the test set once, at the end."""
import keras
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=2000, n_features=10, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=0.2, random_state=0)

model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=5, validation_data=(X_val, y_val), verbose=0)
print("validation", model.evaluate(X_val, y_val, verbose=0))
model.fit(X_train, y_train, epochs=5, validation_data=(X_val, y_val), verbose=0)
print("validation", model.evaluate(X_val, y_val, verbose=0))
print("test", model.evaluate(X_test, y_test, verbose=0))
probabilities = model.predict(X_test, verbose=0)

"""Plain SGD with a learning rate of 3: the loss jumps around."""
import keras
from sklearn.datasets import make_regression
from sklearn.model_selection import train_test_split

X, y = make_regression(n_samples=500, n_features=5, noise=0.1, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)

model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=3.0), loss="mse", metrics=["mae"])
model.fit(X_train, y_train, epochs=2, validation_data=(X_val, y_val), verbose=0)
model.save("model.keras")

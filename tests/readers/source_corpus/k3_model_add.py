"""Sequential built with model.add, layer by layer."""
import keras
from keras.layers import Dense, Dropout
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

X, y = load_digits(return_X_y=True)
y = keras.utils.to_categorical(y, 10)
X_train, X_val, y_train, y_val = train_test_split(X / 16.0, y, test_size=0.2, random_state=0)

model = keras.Sequential()
model.add(keras.Input(shape=(64,)))
model.add(Dense(128, activation="relu"))
model.add(Dropout(0.4))
model.add(Dense(64, activation="relu", kernel_regularizer=keras.regularizers.L1(0.0001)))
model.add(Dense(10, activation="softmax"))
model.compile(optimizer="nadam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=2, batch_size=128, validation_data=(X_val, y_val), verbose=0)
model.save("model.keras")

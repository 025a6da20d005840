"""Functional API: Input, two hidden layers, a sigmoid output."""
import keras
from keras import layers
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=300, n_features=8, random_state=2)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=2)

inputs = keras.Input(shape=(8,))
x = layers.Dense(32, activation="relu", kernel_regularizer=keras.regularizers.l2(0.001))(inputs)
x = layers.Dropout(0.2)(x)
x = layers.Dense(16, activation="tanh")(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.0005), loss=keras.losses.BinaryCrossentropy(),
              metrics=["accuracy"])
model.fit(X_train, y_train, epochs=2, batch_size=32, validation_data=(X_val, y_val), verbose=0)
model.save("model.keras")

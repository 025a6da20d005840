"""Hidden layers added in loops: how many is not followed, so no rule judges the layer list."""
import keras
from sklearn.datasets import load_breast_cancer

X, y = load_breast_cancer(return_X_y=True)

model = keras.Sequential([keras.Input(shape=(30,))])
for units in [64, 32, 16]:
    model.add(keras.layers.Dense(units))
model.add(keras.layers.Dense(1, activation="relu"))
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(X, y, epochs=5, validation_split=0.2)

inputs = keras.Input(shape=(30,))
x = inputs
for _ in range(3):
    x = keras.layers.Dense(8)(x)
outputs = keras.layers.Dense(1, activation="relu")(x)
functional = keras.Model(inputs, outputs)

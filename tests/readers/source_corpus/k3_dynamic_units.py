"""Settings come from a JSON file at run time: the advisor cannot know them and stays silent."""
import json
import sys

import keras

config = json.loads(open(sys.argv[1]).read())  # noqa: SIM115
layers_spec = config["layers"]
model = keras.Sequential([keras.layers.Dense(units, activation=act) for units, act in layers_spec])
model.compile(optimizer=config["optimizer"], loss=config["loss"])
X_train, y_train = config["data"]
model.fit(X_train, y_train, epochs=config["epochs"], validation_split=config["split"])

"""A careful Keras workflow on a CSV: held-out test set, validation split, scaler fit on the
training rows, early stopping on the success metric, one test evaluation at the end."""
import keras
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

df = pd.read_csv("data.csv")
y = df.pop("label").to_numpy()
X = df.to_numpy(dtype="float32")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=0.25, stratify=y_train, random_state=0)

baseline = DummyClassifier(strategy="most_frequent").fit(X_train, y_train)
print("baseline accuracy", baseline.score(X_val, y_val))

scaler = StandardScaler().fit(X_train)
X_train, X_val, X_test = scaler.transform(X_train), scaler.transform(X_val), scaler.transform(X_test)

model = keras.Sequential([
    keras.Input(shape=(X.shape[1],)),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
stop = keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=5, restore_best_weights=True)
model.fit(X_train, y_train, epochs=2, batch_size=256, validation_data=(X_val, y_val), callbacks=[stop], verbose=0)
print(model.evaluate(X_test, y_test, verbose=0))
model.save("model.keras")

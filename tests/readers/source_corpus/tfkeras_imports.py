"""TensorFlow's bundled Keras: a relu output feeding binary crossentropy."""
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

df = pd.read_csv("churn.csv")
y = df.pop("churned")
X_train, X_test, y_train, y_test = train_test_split(df, y, test_size=0.2, stratify=y)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation=tf.nn.relu),
    tf.keras.layers.Dense(1, activation="relu"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=tf.keras.losses.BinaryCrossentropy(), metrics=["AUC"])
model.fit(X_train, y_train, epochs=20, validation_split=0.1)
model.evaluate(X_test, y_test)

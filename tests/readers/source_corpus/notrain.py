"""Plots a CSV; trains nothing."""
import matplotlib.pyplot as plt
import pandas as pd

df = pd.read_csv("metrics.csv")
df.plot(x="epoch", y=["loss", "val_loss"])
plt.savefig("curves.png")

"""The record edits of the built-in pack's remedies, on the `advisor.fix.context.FixContext`
interface. Each family module's `REMEDIES` names them by import path, so `advisor lint` never
loads them.

- `decisions`: problem type, success metric, evaluation protocol and splits;
- `data`: the steps of `data.preprocessing`;
- `model`: output layer and loss, hidden activations, learning rate, early stopping, dropout.
"""

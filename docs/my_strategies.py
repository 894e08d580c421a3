"""An example tunebench plug-in: local search around the best configuration so far.

This is the README's "Add your own strategy" example, verbatim (a test checks they agree).
Use it in a suite as ``"my_strategies:LocalSearch"`` (with this folder on PYTHONPATH), or
register it for installed packages under the ``tunebench.strategies`` entry-point group.
Check it with ``tunebench check-strategy my_strategies:LocalSearch``.
"""

import numpy as np

from tunebench.strategies import Strategy


class LocalSearch(Strategy):
    name = "local-search"

    def __init__(self, space, seed, budget, step=0.1):
        super().__init__(space, seed, budget)
        self.rng, self.step = np.random.default_rng(seed), step
        self.best, self.best_loss = None, np.inf

    def ask(self):
        if self.best is None or self.rng.random() < 0.2:
            return self.space.sample(self.rng)
        u = self.space.to_unit(self.best) + self.rng.normal(0, self.step, len(self.space))
        return self.space.from_unit(np.clip(u, 0, 1))

    def tell(self, config, loss):
        if np.isfinite(loss) and loss < self.best_loss:  # nan/inf: a failed evaluation
            self.best, self.best_loss = config, loss

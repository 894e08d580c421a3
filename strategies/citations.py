"""BibTeX entries of the algorithms behind the built-in strategies.

Each built-in strategy class sets ``citation`` to the entries of the paper(s) that
describe its algorithm, built here with :func:`cite`. Entries use only standard entry
types and fields, so they compile under classic BibTeX and under biblatex.
"""

from __future__ import annotations

ALGORITHMS: dict[str, str] = {
    "bergstra2012random": """@article{bergstra2012random,
  author  = {Bergstra, James and Bengio, Yoshua},
  title   = {Random Search for Hyper-Parameter Optimization},
  journal = {Journal of Machine Learning Research},
  volume  = {13},
  pages   = {281--305},
  year    = {2012}
}""",
    "bergstra2011tpe": """@inproceedings{bergstra2011tpe,
  author    = {Bergstra, James and Bardenet, R{\\'e}mi and Bengio, Yoshua and K{\\'e}gl, Bal{\\'a}zs},
  title     = {Algorithms for Hyper-Parameter Optimization},
  booktitle = {Advances in Neural Information Processing Systems 24},
  pages     = {2546--2554},
  year      = {2011}
}""",
    "hansen2016cma": """@misc{hansen2016cma,
  author       = {Hansen, Nikolaus},
  title        = {The {CMA} Evolution Strategy: A Tutorial},
  howpublished = {arXiv preprint arXiv:1604.00772},
  year         = {2016}
}""",
    "hansen2001cma": """@article{hansen2001cma,
  author  = {Hansen, Nikolaus and Ostermeier, Andreas},
  title   = {Completely Derandomized Self-Adaptation in Evolution Strategies},
  journal = {Evolutionary Computation},
  volume  = {9},
  number  = {2},
  pages   = {159--195},
  year    = {2001},
  doi     = {10.1162/106365601750190398}
}""",
    "snoek2012practical": """@inproceedings{snoek2012practical,
  author    = {Snoek, Jasper and Larochelle, Hugo and Adams, Ryan P.},
  title     = {Practical {B}ayesian Optimization of Machine Learning Algorithms},
  booktitle = {Advances in Neural Information Processing Systems 25},
  pages     = {2951--2959},
  year      = {2012}
}""",
    "jones1998ego": """@article{jones1998ego,
  author  = {Jones, Donald R. and Schonlau, Matthias and Welch, William J.},
  title   = {Efficient Global Optimization of Expensive Black-Box Functions},
  journal = {Journal of Global Optimization},
  volume  = {13},
  number  = {4},
  pages   = {455--492},
  year    = {1998},
  doi     = {10.1023/A:1008306431147}
}""",
    "deb2002nsga2": """@article{deb2002nsga2,
  author  = {Deb, Kalyanmoy and Pratap, Amrit and Agarwal, Sameer and Meyarivan, T.},
  title   = {A Fast and Elitist Multiobjective Genetic Algorithm: {NSGA-II}},
  journal = {IEEE Transactions on Evolutionary Computation},
  volume  = {6},
  number  = {2},
  pages   = {182--197},
  year    = {2002},
  doi     = {10.1109/4235.996017}
}""",
    "sobol1967": """@article{sobol1967,
  author  = {Sobol', Ilya M.},
  title   = {On the Distribution of Points in a Cube and the Approximate Evaluation of Integrals},
  journal = {USSR Computational Mathematics and Mathematical Physics},
  volume  = {7},
  number  = {4},
  pages   = {86--112},
  year    = {1967},
  doi     = {10.1016/0041-5553(67)90144-9}
}""",
    "owen1998scrambling": """@article{owen1998scrambling,
  author  = {Owen, Art B.},
  title   = {Scrambling {S}obol' and {N}iederreiter-{X}ing Points},
  journal = {Journal of Complexity},
  volume  = {14},
  number  = {4},
  pages   = {466--489},
  year    = {1998},
  doi     = {10.1006/jcom.1998.0487}
}""",
    "kirkpatrick1983annealing": """@article{kirkpatrick1983annealing,
  author  = {Kirkpatrick, Scott and Gelatt, C. Daniel and Vecchi, Mario P.},
  title   = {Optimization by Simulated Annealing},
  journal = {Science},
  volume  = {220},
  number  = {4598},
  pages   = {671--680},
  year    = {1983},
  doi     = {10.1126/science.220.4598.671}
}""",
    "hutter2011smac": """@inproceedings{hutter2011smac,
  author    = {Hutter, Frank and Hoos, Holger H. and Leyton-Brown, Kevin},
  title     = {Sequential Model-Based Optimization for General Algorithm Configuration},
  booktitle = {Learning and Intelligent Optimization (LION 5)},
  series    = {Lecture Notes in Computer Science},
  volume    = {6683},
  pages     = {507--523},
  publisher = {Springer},
  year      = {2011},
  doi       = {10.1007/978-3-642-25566-3_40}
}""",
    "breiman2001forests": """@article{breiman2001forests,
  author  = {Breiman, Leo},
  title   = {Random Forests},
  journal = {Machine Learning},
  volume  = {45},
  number  = {1},
  pages   = {5--32},
  year    = {2001},
  doi     = {10.1023/A:1010933404324}
}""",
    "geurts2006extra": """@article{geurts2006extra,
  author  = {Geurts, Pierre and Ernst, Damien and Wehenkel, Louis},
  title   = {Extremely Randomized Trees},
  journal = {Machine Learning},
  volume  = {63},
  number  = {1},
  pages   = {3--42},
  year    = {2006},
  doi     = {10.1007/s10994-006-6226-1}
}""",
    "friedman2001gbm": """@article{friedman2001gbm,
  author  = {Friedman, Jerome H.},
  title   = {Greedy Function Approximation: A Gradient Boosting Machine},
  journal = {The Annals of Statistics},
  volume  = {29},
  number  = {5},
  pages   = {1189--1232},
  year    = {2001},
  doi     = {10.1214/aos/1013203451}
}""",
}


def cite(*keys: str) -> str:
    """The BibTeX entries for ``keys``, joined; raises KeyError for an unknown key."""
    return "\n\n".join(ALGORITHMS[k] for k in keys)

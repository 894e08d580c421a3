"""BibTeX for tunebench and for every strategy library, at the versions used."""

from __future__ import annotations

from typing import Any

BIBTEX = {
    "tunebench": """@software{{tunebench,
  title   = {{tunebench: fair, reproducible benchmarks of hyperparameter-tuning strategies}},
  author  = {{{{tunebench developers}}}},
  version = {{{version}}},
  note    = {{git commit {commit}}},
  year    = {{2026}}
}}""",
    "optuna": """@inproceedings{{akiba2019optuna,
  title     = {{Optuna: A Next-generation Hyperparameter Optimization Framework}},
  author    = {{Akiba, Takuya and Sano, Shotaro and Yanase, Toshihiko and Ohta, Takeru and Koyama, Masanori}},
  booktitle = {{Proceedings of the 25th ACM SIGKDD International Conference on Knowledge Discovery and Data Mining}},
  pages     = {{2623--2631}},
  year      = {{2019}},
  note      = {{Software version {version}}}
}}""",
    "hyperopt": """@inproceedings{{bergstra2013hyperopt,
  title     = {{Making a Science of Model Search: Hyperparameter Optimization in Hundreds of Dimensions for Vision Architectures}},
  author    = {{Bergstra, James and Yamins, Daniel and Cox, David}},
  booktitle = {{Proceedings of the 30th International Conference on Machine Learning}},
  pages     = {{115--123}},
  year      = {{2013}},
  note      = {{Software version {version}}}
}}""",
    "scikit-optimize": """@software{{head2018skopt,
  title   = {{scikit-optimize}},
  author  = {{Head, Tim and Kumar, Manoj and Nahrstaedt, Holger and Louppe, Gilles and Shcherbatyi, Iaroslav}},
  version = {{{version}}},
  year    = {{2018}},
  doi     = {{10.5281/zenodo.1157319}}
}}""",
    "cmaes": """@article{{nomura2024cmaes,
  title   = {{cmaes: A Simple yet Practical Python Library for CMA-ES}},
  author  = {{Nomura, Masahiro and Shibata, Masashi}},
  journal = {{arXiv preprint arXiv:2402.01373}},
  year    = {{2024}},
  note    = {{Software version {version}}}
}}""",
    "scikit-learn": """@article{{pedregosa2011sklearn,
  title   = {{Scikit-learn: Machine Learning in {{P}}ython}},
  author  = {{Pedregosa, F. and Varoquaux, G. and Gramfort, A. and Michel, V. and Thirion, B. and Grisel, O. and Blondel, M. and Prettenhofer, P. and Weiss, R. and Dubourg, V. and Vanderplas, J. and Passos, A. and Cournapeau, D. and Brucher, M. and Perrot, M. and Duchesnay, E.}},
  journal = {{Journal of Machine Learning Research}},
  volume  = {{12}},
  pages   = {{2825--2830}},
  year    = {{2011}},
  note    = {{Software version {version}}}
}}""",
    "numpy": """@article{{harris2020numpy,
  title   = {{Array programming with {{NumPy}}}},
  author  = {{Harris, Charles R. and Millman, K. Jarrod and van der Walt, St{{\\'e}}fan J. and others}},
  journal = {{Nature}},
  volume  = {{585}},
  pages   = {{357--362}},
  year    = {{2020}},
  note    = {{Software version {version}}}
}}""",
}


def bibtex(manifest: dict[str, Any]) -> str:
    """BibTeX entries for tunebench and the libraries behind the strategies that ran."""
    libs = manifest.get("environment", {}).get("libraries", {})
    git = manifest.get("environment", {}).get("git", {}) or {}
    entries = [BIBTEX["tunebench"].format(version=libs.get("tunebench", "unknown"),
                                          commit=git.get("commit") or "unknown")]
    strategies = manifest.get("strategies", {})
    used = {s["library"] for s in strategies.values()} | {"scikit-learn"}
    if "optuna-cmaes" in strategies:  # optuna's CMA-ES is the cmaes package's algorithm
        used.add("cmaes")
    for lib in sorted(used):
        if lib in BIBTEX:
            entries.append(BIBTEX[lib].format(version=libs.get(lib, "unknown")))
    # a plug-in's own `citation` attribute (BibTeX), recorded in the manifest
    entries += sorted({s["citation"].strip() for s in strategies.values() if s.get("citation")})
    return "\n\n".join(entries) + "\n"

"""``references.bib`` of a report: tunebench, every strategy's algorithm paper(s), every
dataset the run used (with its licence), the statistics the report uses, and each library
at the version the run recorded.

Only standard entry types and fields are written (software as ``@misc`` with the version
in ``note``), so the file compiles without warnings under classic BibTeX (``plain``) and
under biblatex.
"""

from __future__ import annotations

import re
from dataclasses import replace
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, metadata

from tunebench.benchmarks.report.tables import latex_escape
from tunebench.benchmarks.store.manifest_types import Manifest, ProblemInfo, StrategyInfo
from tunebench.problems.dataset_citations import ENTRIES as DATASET_ENTRIES
from tunebench.problems.dataset_citations import dataset_keys

STATISTICS: dict[str, str] = {
    "friedman1937": """@article{friedman1937,
  author  = {Friedman, Milton},
  title   = {The Use of Ranks to Avoid the Assumption of Normality Implicit in the Analysis of
             Variance},
  journal = {Journal of the American Statistical Association},
  volume  = {32},
  number  = {200},
  pages   = {675--701},
  year    = {1937},
  doi     = {10.1080/01621459.1937.10503522}
}""",
    "nemenyi1963": """@phdthesis{nemenyi1963,
  author = {Nemenyi, Peter B.},
  title  = {Distribution-free Multiple Comparisons},
  school = {Princeton University},
  year   = {1963}
}""",
    "wilcoxon1945": """@article{wilcoxon1945,
  author  = {Wilcoxon, Frank},
  title   = {Individual Comparisons by Ranking Methods},
  journal = {Biometrics Bulletin},
  volume  = {1},
  number  = {6},
  pages   = {80--83},
  year    = {1945},
  doi     = {10.2307/3001968}
}""",
    "holm1979": """@article{holm1979,
  author  = {Holm, Sture},
  title   = {A Simple Sequentially Rejective Multiple Test Procedure},
  journal = {Scandinavian Journal of Statistics},
  volume  = {6},
  number  = {2},
  pages   = {65--70},
  year    = {1979}
}""",
    "demsar2006": """@article{demsar2006,
  author  = {Dem{\\v{s}}ar, Janez},
  title   = {Statistical Comparisons of Classifiers over Multiple Data Sets},
  journal = {Journal of Machine Learning Research},
  volume  = {7},
  pages   = {1--30},
  year    = {2006}
}""",
    "agarwal2021precipice": """@inproceedings{agarwal2021precipice,
  author    = {Agarwal, Rishabh and Schwarzer, Max and Castro, Pablo Samuel and Courville, Aaron
               and Bellemare, Marc G.},
  title     = {Deep Reinforcement Learning at the Edge of the Statistical Precipice},
  booktitle = {Advances in Neural Information Processing Systems 34},
  pages     = {29304--29320},
  year      = {2021}
}""",
    "schneider2025overtuning": """@inproceedings{schneider2025overtuning,
  author    = {Schneider, Lennart and Bischl, Bernd and Feurer, Matthias},
  title     = {Overtuning in Hyperparameter Optimization},
  booktitle = {Proceedings of the Fourth International Conference on Automated Machine
               Learning},
  series    = {Proceedings of Machine Learning Research},
  volume    = {293},
  pages     = {17/1--43},
  year      = {2025}
}""",
    "lindauer2020best": """@article{lindauer2020best,
  author  = {Lindauer, Marius and Hutter, Frank},
  title   = {Best Practices for Scientific Research on Neural Architecture Search},
  journal = {Journal of Machine Learning Research},
  volume  = {21},
  number  = {243},
  pages   = {1--18},
  year    = {2020}
}""",
    "eggensperger2021hpobench": """@inproceedings{eggensperger2021hpobench,
  author    = {Eggensperger, Katharina and M{\\"u}ller, Philipp and Mallik, Neeratyoy and
               Feurer, Matthias and Sass, Ren{\\'e} and Klein, Aaron and Awad, Noor and
               Lindauer, Marius and Hutter, Frank},
  title     = {{HPOBench}: A Collection of Reproducible Multi-Fidelity Benchmark Problems for
               {HPO}},
  booktitle = {Proceedings of the Neural Information Processing Systems Track on Datasets
               and Benchmarks},
  year      = {2021}
}""",
    "bischl2023hpo": """@article{bischl2023hpo,
  author  = {Bischl, Bernd and Binder, Martin and Lang, Michel and Pielok, Tobias and
             Richter, Jakob and Coors, Stefan and Thomas, Janek and Ullmann, Theresa and
             Becker, Marc and Boulesteix, Anne-Laure and Deng, Difan and Lindauer, Marius},
  title   = {Hyperparameter Optimization: Foundations, Algorithms, Best Practices, and Open
             Challenges},
  journal = {WIREs Data Mining and Knowledge Discovery},
  volume  = {13},
  number  = {2},
  pages   = {e1484},
  year    = {2023},
  doi     = {10.1002/widm.1484}
}""",
    "benavoli2017time": """@article{benavoli2017time,
  author  = {Benavoli, Alessio and Corani, Giorgio and Dem{\\v{s}}ar, Janez and Zaffalon,
             Marco},
  title   = {Time for a Change: a Tutorial for Comparing Multiple Classifiers Through
             {B}ayesian Analysis},
  journal = {Journal of Machine Learning Research},
  volume  = {18},
  number  = {77},
  pages   = {1--36},
  year    = {2017}
}""",
    "hansen2021coco": """@article{hansen2021coco,
  author  = {Hansen, Nikolaus and Auger, Anne and Ros, Raymond and Mersmann, Olaf and
             Tu{\\v{s}}ar, Tea and Brockhoff, Dimo},
  title   = {{COCO}: A Platform for Comparing Continuous Optimizers in a Black-Box Setting},
  journal = {Optimization Methods and Software},
  volume  = {36},
  number  = {1},
  pages   = {114--144},
  year    = {2021},
  doi     = {10.1080/10556788.2020.1808977}
}""",
}

# Library entries: ``{version}`` is filled in; literal braces are doubled.
LIBRARIES: dict[str, str] = {
    "optuna": """@inproceedings{{akiba2019optuna,
  author    = {{Akiba, Takuya and Sano, Shotaro and Yanase, Toshihiko and Ohta, Takeru and
               Koyama, Masanori}},
  title     = {{Optuna: A Next-generation Hyperparameter Optimization Framework}},
  booktitle = {{Proceedings of the 25th ACM SIGKDD International Conference on Knowledge
               Discovery and Data Mining}},
  pages     = {{2623--2631}},
  year      = {{2019}},
  doi       = {{10.1145/3292500.3330701}},
  note      = {{Software version {version}}}
}}""",
    "hyperopt": """@inproceedings{{bergstra2013hyperopt,
  author    = {{Bergstra, James and Yamins, Daniel and Cox, David}},
  title     = {{Making a Science of Model Search: Hyperparameter Optimization in Hundreds of
               Dimensions for Vision Architectures}},
  booktitle = {{Proceedings of the 30th International Conference on Machine Learning}},
  pages     = {{115--123}},
  year      = {{2013}},
  note      = {{Software version {version}}}
}}""",
    "scikit-optimize": """@misc{{head{year}skopt,
  author       = {{Head, Tim and Kumar, Manoj and Nahrstaedt, Holger and Louppe, Gilles and
                  Shcherbatyi, Iaroslav}},
  title        = {{scikit-optimize: Sequential model-based optimization in {{P}}ython}},
  howpublished = {{Zenodo}},
  year         = {{{year}}},
  doi          = {{10.5281/zenodo.1157319}},
  note         = {{Software version {version}}}
}}""",
    "cmaes": """@misc{{nomura2024cmaes,
  author       = {{Nomura, Masahiro and Shibata, Masashi}},
  title        = {{cmaes: A Simple yet Practical {{P}}ython Library for {{CMA-ES}}}},
  howpublished = {{arXiv preprint arXiv:2402.01373}},
  year         = {{2024}},
  note         = {{Software version {version}}}
}}""",
    "scikit-learn": """@article{{pedregosa2011sklearn,
  author  = {{Pedregosa, F. and Varoquaux, G. and Gramfort, A. and Michel, V. and Thirion, B.
             and Grisel, O. and Blondel, M. and Prettenhofer, P. and Weiss, R. and Dubourg, V.
             and Vanderplas, J. and Passos, A. and Cournapeau, D. and Brucher, M. and
             Perrot, M. and Duchesnay, E.}},
  title   = {{Scikit-learn: Machine Learning in {{P}}ython}},
  journal = {{Journal of Machine Learning Research}},
  volume  = {{12}},
  pages   = {{2825--2830}},
  year    = {{2011}},
  note    = {{Software version {version}}}
}}""",
    "numpy": """@article{{harris2020numpy,
  author  = {{Harris, Charles R. and Millman, K. Jarrod and van der Walt, St{{\\'e}}fan J. and
             others}},
  title   = {{Array programming with {{NumPy}}}},
  journal = {{Nature}},
  volume  = {{585}},
  pages   = {{357--362}},
  year    = {{2020}},
  doi     = {{10.1038/s41586-020-2649-2}},
  note    = {{Software version {version}}}
}}""",
    "scipy": """@article{{virtanen2020scipy,
  author  = {{Virtanen, Pauli and Gommers, Ralf and Oliphant, Travis E. and others}},
  title   = {{{{SciPy}} 1.0: Fundamental Algorithms for Scientific Computing in {{P}}ython}},
  journal = {{Nature Methods}},
  volume  = {{17}},
  pages   = {{261--272}},
  year    = {{2020}},
  doi     = {{10.1038/s41592-019-0686-2}},
  note    = {{Software version {version}}}
}}""",
    "pandas": """@inproceedings{{mckinney2010pandas,
  author    = {{McKinney, Wes}},
  title     = {{Data Structures for Statistical Computing in {{P}}ython}},
  booktitle = {{Proceedings of the 9th Python in Science Conference}},
  pages     = {{56--61}},
  year      = {{2010}},
  doi       = {{10.25080/Majora-92bf1922-00a}},
  note      = {{Software version {version}}}
}}""",
    "matplotlib": """@article{{hunter2007matplotlib,
  author  = {{Hunter, John D.}},
  title   = {{Matplotlib: A 2{{D}} Graphics Environment}},
  journal = {{Computing in Science \\& Engineering}},
  volume  = {{9}},
  number  = {{3}},
  pages   = {{90--95}},
  year    = {{2007}},
  doi     = {{10.1109/MCSE.2007.55}},
  note    = {{Software version {version}}}
}}""",
    "seaborn": """@article{{waskom2021seaborn,
  author  = {{Waskom, Michael L.}},
  title   = {{seaborn: statistical data visualization}},
  journal = {{Journal of Open Source Software}},
  volume  = {{6}},
  number  = {{60}},
  pages   = {{3021}},
  year    = {{2021}},
  doi     = {{10.21105/joss.03021}},
  note    = {{Software version {version}}}
}}""",
    "scikit-posthocs": """@article{{terpilowski2019posthocs,
  author  = {{Terpilowski, Maksim A.}},
  title   = {{scikit-posthocs: Pairwise multiple comparison tests in {{P}}ython}},
  journal = {{Journal of Open Source Software}},
  volume  = {{4}},
  number  = {{36}},
  pages   = {{1169}},
  year    = {{2019}},
  doi     = {{10.21105/joss.01169}},
  note    = {{Software version {version}}}
}}""",
    "statsmodels": """@inproceedings{{seabold2010statsmodels,
  author    = {{Seabold, Skipper and Perktold, Josef}},
  title     = {{statsmodels: Econometric and Statistical Modeling with {{P}}ython}},
  booktitle = {{Proceedings of the 9th Python in Science Conference}},
  pages     = {{92--96}},
  year      = {{2010}},
  doi       = {{10.25080/Majora-92bf1922-011}},
  note      = {{Software version {version}}}
}}""",
}
#: Release year of a library version, for software entries whose year is the release's.
RELEASE_YEARS: dict[str, dict[str, int]] = {
    "scikit-optimize": {"0.10": 2024, "0.9": 2021, "0.8": 2020, "0.7": 2020, "0.6": 2019,
                        "0.5": 2018},
}
#: Libraries every report uses (analysis and figures); strategy libraries come on top.
REPORT_LIBRARIES = ("numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "seaborn",
                    "scikit-posthocs")
STATISTICS_CITED = tuple(STATISTICS)


def release_year(library: str, version: str) -> int | None:
    """The release year of ``library`` at ``version`` (longest known prefix), or None."""
    years = RELEASE_YEARS.get(library, {})
    for prefix in sorted(years, key=len, reverse=True):
        if version == prefix or version.startswith(prefix + "."):
            return years[prefix]
    return None


def tunebench_url() -> str | None:
    """The project URL the installed package declares (``[project.urls]``, or Home-page),
    or None: no URL is made up for a project that declares none."""
    try:
        meta = metadata("tunebench")
    except PackageNotFoundError:
        meta = None
    for field in (meta.get_all("Project-URL") or []) if meta else []:
        return field.split(",", 1)[-1].strip()
    if meta and meta.get("Home-page"):
        return str(meta["Home-page"])
    return None


def _tunebench(version: str, commit: str, bundle_hash: str | None = None) -> str:
    url = tunebench_url()
    where = (f"  howpublished = {{\\url{{{url}}}}},\n  url          = {{{url}}},\n"
             if url else "")
    note = f"Software version {version}, git commit {commit}"
    if bundle_hash:
        note += f"; results: tunebench run bundle sha256:{bundle_hash}"
    return (f"@misc{{tunebench,\n  author       = {{{{tunebench developers}}}},\n"
            f"  title        = {{tunebench: fair, reproducible benchmarks of "
            f"hyperparameter-tuning strategies}},\n"
            f"{where}  year         = {{2026}},\n"
            f"  note         = {{{note}}}\n}}")


def combined(manifests: list[Manifest]) -> Manifest:
    """The first manifest with the strategies and problems of every run reported with it
    (e.g. a run's archived baselines), for :func:`bibtex`."""
    strategies: dict[str, StrategyInfo] = {}
    problems: dict[str, ProblemInfo] = {}
    for m in reversed(manifests):
        strategies.update(m.strategies)
        problems.update(m.problems)
    return replace(manifests[0], strategies=strategies, problems=problems)


def split_entries(text: str) -> dict[str, str]:
    """Key -> entry for a string of BibTeX entries."""
    out = {}
    for m in re.finditer(r"@\w+\{([^,\s]+),.*?\n\}", text, flags=re.S):
        out[m.group(1)] = m.group(0)
    return out


def with_note(entry: str, note: str) -> str:
    """``entry`` with ``note`` appended to its note field (added when missing)."""
    m = re.search(r"note\s*=\s*\{(.*?)\}\n", entry)
    if m:
        return entry[:m.start(1)] + m.group(1) + "; " + note + entry[m.end(1):]
    return entry[:entry.rstrip().rfind("}")].rstrip() + f",\n  note = {{{note}}}\n}}"


def _strategy_entries(strategies: Mapping[str, StrategyInfo]) -> dict[str, str]:
    """The algorithm entries of the strategies that ran: from the manifest, or, for runs
    that did not record them, from the built-in classes."""
    from tunebench.strategies.registry import BUILTINS

    out: dict[str, str] = {}
    for name, entry in sorted(strategies.items()):
        text = entry.citation or (BUILTINS[name].citation if name in BUILTINS else "")
        out.update(split_entries(text or ""))
    return out


def _dataset_entries(problems: Mapping[str, ProblemInfo]) -> dict[str, str]:
    out: dict[str, str] = {}
    for info in problems.values():
        ds = info.dataset or {}
        keys = dataset_keys(str(ds.get("name", "")))
        for i, k in enumerate(keys):
            if k not in out:
                e = DATASET_ENTRIES[k]
                out[k] = with_note(e, f"Data licence: {latex_escape(ds['licence'])}") if (
                    i == 0 and ds.get("licence")) else e
    return out


def bibtex(manifest: Manifest, bundle_hash: str | None = None) -> str:
    """BibTeX entries for tunebench, algorithms, datasets, statistics and libraries;
    tunebench's entry names the run bundle's hash when given."""
    libs = manifest.libraries
    git = manifest.environment.git or {}
    entries = {"tunebench": _tunebench(libs.get("tunebench", "unknown"),
                                       git.get("commit") or "unknown", bundle_hash)}
    strategies = manifest.strategies
    entries.update(_strategy_entries(strategies))
    entries.update(_dataset_entries(manifest.problems))
    entries.update(STATISTICS)
    used = {s.library or "" for s in strategies.values()} | set(REPORT_LIBRARIES)
    if "optuna-cmaes" in strategies:  # optuna's CMA-ES is the cmaes package's algorithm
        used.add("cmaes")
    if any(str((p.dataset or {}).get("source", "")).startswith("statsmodels")
           for p in manifest.problems.values()):
        used.add("statsmodels")
    for lib in sorted(used):
        if lib in LIBRARIES:
            version = libs.get(lib) or next((s.version for s in strategies.values()
                                            if s.library == lib), "unknown")
            year = release_year(lib, version) or 2026
            entries.update(split_entries(LIBRARIES[lib].format(version=version, year=year)))
        elif lib and lib not in entries:
            entries[lib] = _library_misc(lib, libs.get(lib) or next(
                (s.version for s in strategies.values() if s.library == lib),
                "unknown"))
    return "\n\n".join(entries.values()) + "\n"


def _library_misc(lib: str, version: str) -> str:
    """A minimal entry for a plug-in's library that tunebench has no paper for."""
    key = re.sub(r"[^A-Za-z0-9]", "", lib) or "library"
    return (f"@misc{{{key},\n  key          = {{{key}}},\n  title        = {{{lib}}},\n"
            f"  howpublished = {{Python package {lib}}},\n"
            f"  note         = {{Software version {version}}}\n}}")

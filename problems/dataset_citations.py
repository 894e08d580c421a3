"""BibTeX entries of the datasets in :data:`problems.datasets.DATASETS`.

``DATASET_CITATIONS[name]`` lists the entries to cite when a run uses the dataset: the
original source first, then the package it is loaded from where that package is the
documented distribution. Reports add the catalogue's licence to the first entry.
Entries use only standard types and fields (classic BibTeX and biblatex).
"""

from __future__ import annotations

UCI = "UCI Machine Learning Repository"

ENTRIES: dict[str, str] = {
    "fisher1936iris": """@article{fisher1936iris,
  author  = {Fisher, Ronald A.},
  title   = {The Use of Multiple Measurements in Taxonomic Problems},
  journal = {Annals of Eugenics},
  volume  = {7},
  number  = {2},
  pages   = {179--188},
  year    = {1936},
  doi     = {10.1111/j.1469-1809.1936.tb02137.x}
}""",
    "aeberhard1991wine": f"""@misc{{aeberhard1991wine,
  author       = {{Aeberhard, Stefan and Forina, M.}},
  title        = {{Wine}},
  howpublished = {{{UCI}}},
  year         = {{1991}},
  doi          = {{10.24432/C5PC7J}}
}}""",
    "wolberg1995breast": f"""@misc{{wolberg1995breast,
  author       = {{Wolberg, William and Mangasarian, Olvi and Street, Nick and Street, W.}},
  title        = {{Breast Cancer {{W}}isconsin ({{D}}iagnostic)}},
  howpublished = {{{UCI}}},
  year         = {{1995}},
  doi          = {{10.24432/C5DW2B}}
}}""",
    "alpaydin1998digits": f"""@misc{{alpaydin1998digits,
  author       = {{Alpaydin, E. and Kaynak, C.}},
  title        = {{Optical Recognition of Handwritten Digits}},
  howpublished = {{{UCI}}},
  year         = {{1998}},
  doi          = {{10.24432/C50P49}}
}}""",
    "efron2004lars": """@article{efron2004lars,
  author  = {Efron, Bradley and Hastie, Trevor and Johnstone, Iain and Tibshirani, Robert},
  title   = {Least Angle Regression},
  journal = {The Annals of Statistics},
  volume  = {32},
  number  = {2},
  pages   = {407--499},
  year    = {2004},
  doi     = {10.1214/009053604000000067}
}""",
    "gorman2014penguins": """@article{gorman2014penguins,
  author  = {Gorman, Kristen B. and Williams, Tony D. and Fraser, William R.},
  title   = {Ecological Sexual Dimorphism and Environmental Variability within a Community of
             {A}ntarctic Penguins (Genus {P}ygoscelis)},
  journal = {PLoS ONE},
  volume  = {9},
  number  = {3},
  pages   = {e90081},
  year    = {2014},
  doi     = {10.1371/journal.pone.0090081}
}""",
    "horst2020palmerpenguins": """@misc{horst2020palmerpenguins,
  author       = {Horst, Allison M. and Hill, Alison P. and Gorman, Kristen B.},
  title        = {palmerpenguins: {P}almer Archipelago ({A}ntarctica) penguin data},
  howpublished = {R package},
  year         = {2020},
  doi          = {10.5281/zenodo.3960218}
}""",
    "fair1978affairs": """@article{fair1978affairs,
  author  = {Fair, Ray C.},
  title   = {A Theory of Extramarital Affairs},
  journal = {Journal of Political Economy},
  volume  = {86},
  number  = {1},
  pages   = {45--61},
  year    = {1978},
  doi     = {10.1086/260646}
}""",
    "rosenstone1997anes": """@misc{rosenstone1997anes,
  author       = {Rosenstone, Steven J. and Kinder, Donald R. and Miller, Warren E.},
  title        = {American National Election Study, 1996: Pre- and Post-Election Survey},
  howpublished = {Inter-university Consortium for Political and Social Research (ICPSR)},
  year         = {1997}
}""",
    "deb2002randhie": """@article{deb2002randhie,
  author  = {Deb, Partha and Trivedi, Pravin K.},
  title   = {The Structure of Demand for Health Care: Latent Class versus Two-Part Models},
  journal = {Journal of Health Economics},
  volume  = {21},
  number  = {4},
  pages   = {601--625},
  year    = {2002}
}""",
    "gill2001glm": """@book{gill2001glm,
  author    = {Gill, Jeff},
  title     = {Generalized Linear Models: A Unified Approach},
  publisher = {Sage},
  series    = {Quantitative Applications in the Social Sciences},
  volume    = {134},
  year      = {2001}
}""",
    "grunfeld1958investment": """@phdthesis{grunfeld1958investment,
  author = {Grunfeld, Yehuda},
  title  = {The Determinants of Corporate Investment},
  school = {University of Chicago},
  year   = {1958}
}""",
    "james2013islr": """@book{james2013islr,
  author    = {James, Gareth and Witten, Daniela and Hastie, Trevor and Tibshirani, Robert},
  title     = {An Introduction to Statistical Learning with Applications in {R}},
  publisher = {Springer},
  year      = {2013},
  doi       = {10.1007/978-1-4614-7138-7}
}""",
    "smith1988pima": """@inproceedings{smith1988pima,
  author    = {Smith, Jack W. and Everhart, J. E. and Dickson, W. C. and Knowler, W. C. and
               Johannes, R. S.},
  title     = {Using the {ADAP} Learning Algorithm to Forecast the Onset of Diabetes Mellitus},
  booktitle = {Proceedings of the Annual Symposium on Computer Application in Medical Care},
  pages     = {261--265},
  year      = {1988}
}""",
    "venables2002mass": """@book{venables2002mass,
  author    = {Venables, William N. and Ripley, Brian D.},
  title     = {Modern Applied Statistics with {S}},
  edition   = {Fourth},
  publisher = {Springer},
  year      = {2002},
  doi       = {10.1007/978-0-387-21706-2}
}""",
    "kuhn_modeldata": """@misc{kuhn_modeldata,
  author       = {Kuhn, Max},
  title        = {modeldata: Data Sets Useful for Modeling Examples},
  howpublished = {R package on CRAN},
  url          = {https://CRAN.R-project.org/package=modeldata}
}""",
    "yeh1998concrete": """@article{yeh1998concrete,
  author  = {Yeh, I-Cheng},
  title   = {Modeling of Strength of High-Performance Concrete Using Artificial Neural Networks},
  journal = {Cement and Concrete Research},
  volume  = {28},
  number  = {12},
  pages   = {1797--1808},
  year    = {1998},
  doi     = {10.1016/S0008-8846(98)00165-3}
}""",
    "decock2011ames": """@article{decock2011ames,
  author  = {De Cock, Dean},
  title   = {Ames, {I}owa: Alternative to the {B}oston Housing Data as an End of Semester
             Regression Project},
  journal = {Journal of Statistics Education},
  volume  = {19},
  number  = {3},
  year    = {2011},
  doi     = {10.1080/10691898.2011.11889627}
}""",
    "vanschoren2013openml": """@article{vanschoren2013openml,
  author  = {Vanschoren, Joaquin and van Rijn, Jan N. and Bischl, Bernd and Torgo, Luis},
  title   = {{OpenML}: Networked Science in Machine Learning},
  journal = {SIGKDD Explorations},
  volume  = {15},
  number  = {2},
  pages   = {49--60},
  year    = {2013},
  doi     = {10.1145/2641190.2641198}
}""",
    "hill2007cells": """@article{hill2007cells,
  author  = {Hill, Andrew A. and LaPan, Peter and Li, Yizheng and Haney, Steve},
  title   = {Impact of Image Segmentation on High-Content Screening Data Quality for
             {SK-BR-3} Cells},
  journal = {BMC Bioinformatics},
  volume  = {8},
  pages   = {340},
  year    = {2007},
  doi     = {10.1186/1471-2105-8-340}
}""",
    "kuhn2013apm": """@book{kuhn2013apm,
  author    = {Kuhn, Max and Johnson, Kjell},
  title     = {Applied Predictive Modeling},
  publisher = {Springer},
  year      = {2013},
  doi       = {10.1007/978-1-4614-6849-3}
}""",
    "vanderputten2000coil": """@techreport{vanderputten2000coil,
  author      = {van der Putten, Peter and van Someren, Maarten},
  title       = {{CoIL} Challenge 2000: The Insurance Company Case},
  institution = {Sentient Machine Research, Amsterdam, and Leiden Institute of Advanced
                 Computer Science},
  number      = {2000-09},
  year        = {2000}
}""",
    "meyer2005airbags": """@article{meyer2005airbags,
  author  = {Meyer, Mary C. and Finney, Tremika},
  title   = {Who Wants Airbags?},
  journal = {Chance},
  volume  = {18},
  number  = {2},
  pages   = {3--16},
  year    = {2005},
  doi     = {10.1080/09332480.2005.10722717}
}""",
    "maindonald2010daag": """@book{maindonald2010daag,
  author    = {Maindonald, John and Braun, W. John},
  title     = {Data Analysis and Graphics Using {R}: An Example-Based Approach},
  edition   = {Third},
  publisher = {Cambridge University Press},
  year      = {2010},
  doi       = {10.1017/CBO9781139194648}
}""",
    "wickham2016ggplot2": """@book{wickham2016ggplot2,
  author    = {Wickham, Hadley},
  title     = {ggplot2: Elegant Graphics for Data Analysis},
  edition   = {Second},
  publisher = {Springer},
  year      = {2016},
  doi       = {10.1007/978-3-319-24277-4}
}""",
    "bierens2001cps": """@article{bierens2001cps,
  author  = {Bierens, Herman J. and Ginther, Donna K.},
  title   = {Integrated Conditional Moment Testing of Quantile Regression Models},
  journal = {Empirical Economics},
  volume  = {26},
  number  = {1},
  pages   = {307--324},
  year    = {2001},
  doi     = {10.1007/s001810000059}
}""",
    "kleiber2008aer": """@book{kleiber2008aer,
  author    = {Kleiber, Christian and Zeileis, Achim},
  title     = {Applied Econometrics with {R}},
  publisher = {Springer},
  year      = {2008},
  doi       = {10.1007/978-0-387-77318-6}
}""",
    "croissant_ecdat": """@misc{croissant_ecdat,
  author       = {Croissant, Yves and Graves, Spencer},
  title        = {Ecdat: Data Sets for Econometrics},
  howpublished = {R package on CRAN},
  url          = {https://CRAN.R-project.org/package=Ecdat}
}""",
    "antonio2019hotel": """@article{antonio2019hotel,
  author  = {Antonio, Nuno and de Almeida, Ana and Nunes, Luis},
  title   = {Hotel Booking Demand Datasets},
  journal = {Data in Brief},
  volume  = {22},
  pages   = {41--49},
  year    = {2019},
  doi     = {10.1016/j.dib.2018.11.126}
}""",
    "fox2019car": """@book{fox2019car,
  author    = {Fox, John and Weisberg, Sanford},
  title     = {An {R} Companion to Applied Regression},
  edition   = {Third},
  publisher = {SAGE},
  year      = {2019}
}""",
}

#: Dataset name -> citation keys in :data:`ENTRIES`, the original source first.
DATASET_CITATIONS: dict[str, tuple[str, ...]] = {
    "iris": ("fisher1936iris",),
    "wine": ("aeberhard1991wine",),
    "breast_cancer": ("wolberg1995breast",),
    "digits": ("alpaydin1998digits",),
    "diabetes": ("efron2004lars",),
    "penguins": ("gorman2014penguins", "horst2020palmerpenguins"),
    "fair": ("fair1978affairs",),
    "anes96": ("rosenstone1997anes",),
    "randhie": ("deb2002randhie",),
    "star98": ("gill2001glm",),
    "grunfeld": ("grunfeld1958investment",),
    "oj": ("james2013islr",),
    "default": ("james2013islr",),
    "pima": ("smith1988pima", "venables2002mass"),
    "attrition": ("kuhn_modeldata",),
    "concrete": ("yeh1998concrete", "kuhn_modeldata"),
    "ames": ("decock2011ames", "kuhn_modeldata"),
    "mlc_churn": ("kuhn_modeldata",),
    "wa_churn": ("kuhn_modeldata",),
    "credit_data": ("kuhn_modeldata",),
    "hpc_data": ("kuhn2013apm", "kuhn_modeldata"),
    "cells": ("hill2007cells", "kuhn_modeldata"),
    "lending_club": ("kuhn_modeldata",),
    "caravan": ("vanderputten2000coil", "james2013islr"),
    "nasscds": ("meyer2005airbags", "maindonald2010daag"),
    "diamonds": ("wickham2016ggplot2",),
    "cps1988": ("bierens2001cps", "kleiber2008aer"),
    "doctor_contacts": ("deb2002randhie", "croissant_ecdat"),
    "hotel_rates": ("antonio2019hotel", "kuhn_modeldata"),
    "wage": ("james2013islr",),
    "gssvocab": ("fox2019car",),
    "stackoverflow": ("kuhn_modeldata",),
}


def dataset_keys(name: str) -> tuple[str, ...]:
    """Citation keys for a dataset name or spec (``openml:<id>`` cites OpenML; a user CSV
    cites nothing)."""
    if name.startswith("openml:"):
        return ("vanschoren2013openml",)
    return DATASET_CITATIONS.get(name, ())

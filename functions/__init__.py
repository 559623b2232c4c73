"""Pure numerical functions of the risk model (regression, covariance, specific risk, validation).

No I/O here except in `jobs.py`, the imperative shell that reads marts and writes `risk.*`
(DESIGN §7). The functions arrive with the risk-model issue.
"""

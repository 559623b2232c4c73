"""SEC EDGAR: companies, filings with acceptance times, and XBRL companyfacts."""

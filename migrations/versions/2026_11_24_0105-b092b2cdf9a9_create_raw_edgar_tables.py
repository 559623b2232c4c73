"""create raw edgar tables

Revision ID: b092b2cdf9a9
Revises: 76f4b81d42ce
Create Date: 2026-11-24 01:25:54.622965

Why: EDGAR lands in three source-conformed tables designed for point-in-time use and idempotent
landing (DESIGN §4-5, METHODOLOGY §3):
- `companies` keeps every distinct version of a company's submissions header it has seen (SIC,
  tickers, names change over time); a re-load of unchanged data adds nothing (`record_hash`).
- `filings` holds each filing with its acceptance timestamp, the instant its facts became known.
- `facts` holds every XBRL fact of companyfacts, keyed by the reporting filing, so a restatement
  is a new row (a new accession), never an overwrite. In the recorded samples (430,650 facts of
  17 companies) the key below is unique.
With TimescaleDB, `filings` and `facts` are hypertables partitioned by filing date (facts arrive
in filing order) with compression segmented by company; without it they are plain tables with
the same names and columns.
"""

from __future__ import annotations

from alembic import op

revision: str = "b092b2cdf9a9"
down_revision: str | None = "76f4b81d42ce"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table raw_edgar.companies (
            cik bigint not null,
            entity_name text not null,
            entity_type text,
            sic_code integer,
            sic_description text,
            filer_category text,
            fiscal_year_end text,
            state_of_incorporation text,
            ein text,
            tickers text [] not null default '{}',
            exchanges text [] not null default '{}',
            former_names jsonb not null default '[]',
            record_hash uuid not null,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_companies primary key (cik, record_hash),
            constraint ck_companies__fiscal_year_end check (fiscal_year_end ~ '^[0-9]{4}$')
        );
        comment on table raw_edgar.companies is
            'EDGAR submissions headers: one row per distinct version of a company seen; the '
            'version known at time t is the latest loaded_at <= t';
        comment on column raw_edgar.companies.cik is 'SEC Central Index Key';
        comment on column raw_edgar.companies.sic_code is
            'Standard Industrial Classification code (null for individuals and some funds)';
        comment on column raw_edgar.companies.fiscal_year_end is 'Fiscal year end as MMDD';
        comment on column raw_edgar.companies.tickers is 'Tickers, in the order EDGAR lists them';
        comment on column raw_edgar.companies.exchanges is 'Exchange of each ticker, same order';
        comment on column raw_edgar.companies.former_names is
            'Former names as EDGAR lists them: [{"name", "from", "to"}]';
        comment on column raw_edgar.companies.record_hash is
            'MD5 of the version''s content: the same content loaded twice is one row';

        create table raw_edgar.filings (
            cik bigint not null,
            accession_number text not null,
            form text not null,
            filed_date date not null,
            report_date date,
            accepted_at timestamptz not null,
            act text,
            file_number text,
            film_number text,
            items text,
            size_bytes bigint,
            is_xbrl boolean,
            is_inline_xbrl boolean,
            primary_document text,
            primary_document_description text,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            constraint pk_filings primary key (cik, accession_number, filed_date),
            constraint ck_filings__accession_number
                check (accession_number ~ '^[0-9]{10}-[0-9]{2}-[0-9]{6}$')
        );
        create index ix_filings__accession_number on raw_edgar.filings (accession_number);
        comment on table raw_edgar.filings is
            'EDGAR filings from the submissions API (recent and continuation pages), one row per '
            'filer and accession';
        comment on column raw_edgar.filings.accession_number is
            'Accession number, 0000320193-23-000106 form';
        comment on column raw_edgar.filings.filed_date is
            'EDGAR filing date (filings accepted after the 17:30 cut-off carry the next '
            'business day)';
        comment on column raw_edgar.filings.report_date is 'Period of report, when given';
        comment on column raw_edgar.filings.accepted_at is
            'Acceptance timestamp (UTC): when the filing, and every fact in it, became known. '
            'Filings from about 2002 and earlier carry midnight New York time only';

        create table raw_edgar.facts (
            cik bigint not null,
            taxonomy text not null,
            concept text not null,
            unit text not null,
            period_start_date date,
            period_end_date date not null,
            reported_value numeric not null,
            accession_number text not null,
            fiscal_year integer,
            fiscal_period text,
            form text not null,
            filed_date date not null,
            frame text,
            load_id bigint not null,
            loaded_at timestamptz not null default now(),
            -- led by (cik, concept): it also serves "this company's values of this concept",
            -- so no second index slows the bulk path
            constraint uq_facts__cik_concept_taxonomy_unit_accession_number_period
                unique nulls not distinct (
                    cik, concept, taxonomy, unit, accession_number,
                    period_end_date, period_start_date, filed_date
                ),
            constraint ck_facts__period check (period_start_date <= period_end_date)
        );
        comment on table raw_edgar.facts is
            'XBRL facts from companyfacts (all taxonomies and units), one row per fact and '
            'reporting filing; a restatement arrives as a new row under a new accession';
        comment on column raw_edgar.facts.taxonomy is 'us-gaap, dei, ifrs-full, srt, ...';
        comment on column raw_edgar.facts.concept is 'XBRL concept name, e.g. Revenues';
        comment on column raw_edgar.facts.unit is 'Unit of measure, e.g. USD, shares, USD/shares';
        comment on column raw_edgar.facts.period_start_date is
            'Start of the reporting period; null for instant (balance) facts';
        comment on column raw_edgar.facts.period_end_date is
            'End of the reporting period, or the instant of a balance fact';
        comment on column raw_edgar.facts.reported_value is 'Value as reported (val)';
        comment on column raw_edgar.facts.accession_number is
            'The filing that reported the fact; its acceptance time is when the fact became known';
        comment on column raw_edgar.facts.fiscal_year is
            'EDGAR fy: the fiscal year of the reporting filing, not of the period (do not use '
            'for period identity)';
        comment on column raw_edgar.facts.fiscal_period is
            'EDGAR fp (FY, Q1..Q4) of the reporting filing, not of the period';
        comment on column raw_edgar.facts.filed_date is 'Filing date of the reporting filing';
        comment on column raw_edgar.facts.frame is
            'EDGAR calendar frame (CY2023Q1...); reassigned between retrievals, not trusted';

        do $$
        begin
            if ops.has_timescaledb() then
                perform create_hypertable(
                    'raw_edgar.filings', by_range('filed_date', interval '5 years')
                );
                alter table raw_edgar.filings set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'cik',
                    timescaledb.compress_orderby = 'accession_number'
                );
                perform create_hypertable(
                    'raw_edgar.facts', by_range('filed_date', interval '1 year')
                );
                alter table raw_edgar.facts set (
                    timescaledb.compress,
                    timescaledb.compress_segmentby = 'cik',
                    timescaledb.compress_orderby =
                        'taxonomy, concept, unit, accession_number, period_end_date, '
                        'period_start_date'
                );
            end if;
        end
        $$;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table raw_edgar.facts;
        drop table raw_edgar.filings;
        drop table raw_edgar.companies;
    """)

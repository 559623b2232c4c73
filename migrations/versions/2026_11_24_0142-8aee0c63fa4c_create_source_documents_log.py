"""create source documents log

Revision ID: 8aee0c63fa4c
Revises: cc456c5f77c0
Create Date: 2026-11-24 01:42:36.414591

Why: loaders must land only what is new on a re-run, and say where every raw row came from.
Each source document a loader fetched or read (an EDGAR submissions or companyfacts JSON, a FRED
response, a bar file) is logged once per distinct content: its URL or path, the HTTP validators
(ETag, Last-Modified) for conditional requests, and the SHA-256 of its bytes. A document whose
validators answer 304, or whose hash is already logged, is not parsed again. This is the raw
landing zone's provenance (METHODOLOGY §6.1); the documents themselves are not stored.
"""

from __future__ import annotations

from alembic import op

revision: str = "8aee0c63fa4c"
down_revision: str | None = "cc456c5f77c0"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("""
        set local role factor_owner;

        create table ops.source_documents (
            source text not null,
            document_url text not null,
            content_sha256 text not null,
            etag text,
            last_modified text,
            count_bytes bigint not null,
            load_id bigint not null,
            fetched_at timestamptz not null default now(),
            constraint pk_source_documents primary key (source, document_url, content_sha256),
            constraint fk_source_documents__load_id
                foreign key (load_id) references ops.load_runs (load_id),
            constraint ck_source_documents__source
                check (source in ('edgar', 'fred', 'ibkr', 'files'))
        );
        create index ix_source_documents__source_document_url_fetched_at
            on ops.source_documents (source, document_url, fetched_at desc);

        comment on table ops.source_documents is
            'Every distinct source document a loader landed: URL or path, content hash and HTTP '
            'validators. A re-run skips documents whose content was already landed.';
        comment on column ops.source_documents.document_url is
            'The URL fetched (without secrets) or the file path read';
        comment on column ops.source_documents.content_sha256 is 'SHA-256 of the bytes, hex';
        comment on column ops.source_documents.etag is 'HTTP ETag, for If-None-Match';
        comment on column ops.source_documents.last_modified is
            'HTTP Last-Modified as sent, for If-Modified-Since';

        grant select, insert on ops.source_documents to factor_loader;
        grant select on ops.source_documents to factor_transformer;
    """)


def downgrade() -> None:
    op.execute("""
        set local role factor_owner;
        drop table ops.source_documents;
    """)

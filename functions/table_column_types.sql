-- A table's columns and their types, as format_type names them without modifiers
-- ('character varying', not 'character varying(40)'): what binary COPY encodes by.
select
    attname as column_name,
    format_type(atttypid, null) as column_type
from pg_attribute
where
    attrelid = %(table)s::regclass
    and attnum > 0
    and not attisdropped

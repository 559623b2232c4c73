-- The run's state replaces the model's stored one (one per model: only the latest is resumed
-- from).
insert into risk.model_states (
    model_code, as_of_date, state_format, parameters, state, model_run_id
)
values (
    %(model_code)s,
    %(as_of_date)s,
    %(state_format)s,
    %(parameters)s,
    %(state)s,
    %(model_run_id)s
)
on conflict (model_code) do update set
    as_of_date = excluded.as_of_date,
    state_format = excluded.state_format,
    parameters = excluded.parameters,
    state = excluded.state,
    model_run_id = excluded.model_run_id,
    saved_at = now()

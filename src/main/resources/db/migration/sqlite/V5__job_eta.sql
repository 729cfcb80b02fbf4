-- When a running job's processor expects to finish (epoch millis), from its latest progress report.
ALTER TABLE jobs ADD COLUMN eta_at BIGINT;

//! GitHub REST API client: run and job logs, jobs, artifacts.

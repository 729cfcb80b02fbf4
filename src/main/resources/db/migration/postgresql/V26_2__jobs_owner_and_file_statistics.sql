-- A file's jobs are nearly all its owner's, which PostgreSQL cannot know from each column's statistics
-- alone: it took a member's jobs of their own file (owner_id = … AND input_file_id = …) for a few
-- dozen of them and sorted them all rather than read a page of jobs_by_input_file_age in order. The
-- functional dependency, gathered by ANALYZE, tells it. Takes no lock that keeps writes waiting.
CREATE STATISTICS jobs_owner_and_file (dependencies) ON owner_id, input_file_id FROM jobs;

"""Survey stage: questionnaire schemas, checks, scale scores and reliability, storage."""

"""Open Referral UK service directory: services, counsellors and vacancies of a council area."""

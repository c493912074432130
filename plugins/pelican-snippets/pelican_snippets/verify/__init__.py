"""Run the planned jobs (cached, in parallel, through the service) and judge what they printed."""

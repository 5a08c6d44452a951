"""Gunicorn defaults (picked up from the working directory)."""


def post_fork(server, worker):
    # With --preload the app is imported before fork; start delivery threads in each worker.
    from config import background

    background.start()
    background.warm_up()

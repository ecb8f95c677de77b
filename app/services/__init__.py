"""The services: everything SafePort decides, grouped by job. Each service takes the acting user
and owns its transaction; views call one service, services call the engine and the models.

`setup.init_app` binds them to an app; `errors` and `audit` are shared by every package.
"""

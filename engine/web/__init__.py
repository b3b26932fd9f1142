"""``statewise serve``: the operator console (server-rendered pages) and the HTTP API.

A thin layer over the operations layer (:mod:`engine.ops`): each page and its API twin
call the same operation, and only the rendering differs (HTML through jinja2 templates,
or JSON). Starlette routes the requests and uvicorn serves them; both come with the
``serve`` extra (``pip install 'statewise[serve]'``). :func:`engine.web.app.create_app`
builds the application; nothing is imported here, so ``statewise --help`` stays light.
"""

"""The browser workspace (``poster serve``): campaign officers edit, reviewers approve in
context, everyone sees the posters. A thin layer over the pipeline's stages:

- ``state``: the served campaign files, read again when they change on disk;
- ``render``: previews made by the build's own pipeline in one warm render process;
- ``edits``: every change, by the rules (and with the messages) of the command line;
- ``builds``: ``poster build`` started from the page, and the print package;
- ``uploads``: logos and pictures, checked, into assets/;
- ``security``: host, access token, CSRF and size checks before any route;
- ``app``: the Starlette routes and Jinja2 pages (htmx in ``static/``); ``serve``: uvicorn.
"""

"""`advisor report`: one self-contained page per run of the advisor.

`collect` reads and lints the inputs as `advisor lint` does and places each experiment in the
workflow; `page` renders the HTML (charts from `learning`, `data` and `evaluation`, drawn by
matplotlib as inline SVG through `svg`, laid out by the Jinja2 template in `templates/`);
`markdown` renders the same verdict and findings as GitHub-flavoured Markdown. matplotlib and jinja2
(the `report` extra) are imported only here, never on the lint path.
"""

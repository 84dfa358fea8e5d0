"""The CP-SAT model: the only package that imports OR-Tools.

One module per constraint family (``machine_capacity``, ``precedence``,
``material``), the variables (``variables``), objectives (``objectives``), the
builder that calls them in a fixed order (``builder``), order selection under
shortage (``order_selection``), the large-neighbourhood search (``lns``) and
solver settings (``params``, which does not import OR-Tools).
"""

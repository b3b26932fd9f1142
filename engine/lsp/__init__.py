"""The language server (``statewise lsp``): diagnostics identical to ``statewise
validate``, completion, hover, go to definition and the state outline, over stdio.

* :mod:`.server`: the pygls server, one thin handler per LSP feature;
* :mod:`.positions`: the one place positions are converted;
* :mod:`.folder`: the folder's charts as ``validate`` sees them, kept up to date;
* :mod:`.context`, :mod:`.knowledge`: where the cursor is and what the chart knows there;
* :mod:`.complete`, :mod:`.hover`, :mod:`.navigate`, :mod:`.catalogue`: the answers.

pygls and lsprotocol are imported only here (and only when ``statewise lsp`` runs).
"""

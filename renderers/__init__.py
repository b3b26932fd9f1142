"""Views of a chart: graphviz, Mermaid and documentation pages."""

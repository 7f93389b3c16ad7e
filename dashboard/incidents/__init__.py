"""The incident workspace (故障管理): reads, plain logic, and the page's Streamlit parts."""

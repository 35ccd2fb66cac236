"""The web app: GOV.UK-styled pages over the service layer, and the REST API beside them."""

"""Reports: the programme's impact and the hubs' utilisation, for a period and a scope."""

"""The MQTT gateway: device messages in, service calls, replies and retained state out."""

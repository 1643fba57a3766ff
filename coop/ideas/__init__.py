"""Ideas members submit, support or oppose, and the topics they are filed under."""

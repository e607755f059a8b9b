"""The chaos harness: the whole system supervised, crews confirming, processes killed and servers restarted (make chaos)."""

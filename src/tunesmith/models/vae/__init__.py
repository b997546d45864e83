"""The phrase VAE family (and the bar cutting it shares with the GAN)."""

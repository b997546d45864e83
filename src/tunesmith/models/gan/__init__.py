"""The bar GAN family (WGAN-GP over one-bar melodies)."""

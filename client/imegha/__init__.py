"""iMegha client: the SDK and the `imegha` CLI. All crypto happens here, on the device."""

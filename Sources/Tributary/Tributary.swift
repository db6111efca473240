/// The version Tributary reports in its User-Agent and generator element.
public let tributaryVersion = "0.1.0"

tether {
  backend "local" {
    path = "a.json"
  }
}

tether {
  backend "local" {
    path = "b.json"
  }
}

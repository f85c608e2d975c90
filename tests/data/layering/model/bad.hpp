// A model header that reaches up into the HTTP layer: the layering check must refuse it.
#pragma once
#include "http/transport.hpp"

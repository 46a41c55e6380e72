# Stan's NUTS on the models of `go run ./bench/peer/bayesstan`: 4 chains,
# 1000 warm-up and 1000 kept iterations, 2 cores, diagonal metric. For each
# model it writes <model>_draws.csv (chain, draw, the parameters on the
# unconstrained scale's order) and <model>_time.csv (the summed warm-up and
# sampling seconds of the chains, and the total leapfrog steps).
# Usage: Rscript stan_models.R DIR SEED   (DIR holds garch_y.csv; run from
# the repository's root, where dataset/data/digits.csv.gz is)
suppressMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
seed <- as.integer(args[2])
codes <- list(
  eight_schools_noncentered = "
data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
parameters { real mu; real<lower=0> tau; vector[J] theta_tilde; }
model {
  mu ~ normal(0, 5); tau ~ cauchy(0, 5); theta_tilde ~ normal(0, 1);
  y ~ normal(mu + tau * theta_tilde, sigma);
}",
  eight_schools_centered = "
data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
parameters { real mu; real<lower=0> tau; vector[J] theta; }
model {
  mu ~ normal(0, 5); tau ~ cauchy(0, 5); theta ~ normal(mu, tau);
  y ~ normal(theta, sigma);
}",
  garch11 = "
data { int<lower=0> T; real y[T]; real<lower=0> sigma1; }
parameters { real mu; real<lower=0> alpha0; real<lower=0, upper=1> alpha1;
  real<lower=0, upper=(1 - alpha1)> beta1; }
model {
  real sigma[T];
  sigma[1] = sigma1;
  for (t in 2:T)
    sigma[t] = sqrt(alpha0 + alpha1 * pow(y[t - 1] - mu, 2) + beta1 * pow(sigma[t - 1], 2));
  y ~ normal(mu, sigma);
}",
  logistic_digits = "
data { int<lower=0> N; int<lower=0> D; matrix[N, D] x; int<lower=0, upper=1> y[N]; }
parameters { real alpha; vector[D] beta; }
model {
  alpha ~ normal(0, 1); beta ~ normal(0, 1);
  y ~ bernoulli_logit(alpha + x * beta);
}")
y <- read.csv(file.path(dir, "garch_y.csv"), header = FALSE)[, 1]
digits <- read.csv(gzfile("dataset/data/digits.csv.gz"), header = FALSE)
digits <- digits[digits[, 65] <= 1, ] # the 0s and 1s, as examples/logistic
data <- list(
  eight_schools_noncentered = list(J = 8, y = c(28, 8, -3, 7, -1, 1, 18, 12),
                                   sigma = c(15, 10, 16, 11, 9, 11, 10, 18)),
  eight_schools_centered = list(J = 8, y = c(28, 8, -3, 7, -1, 1, 18, 12),
                                sigma = c(15, 10, 16, 11, 9, 11, 10, 18)),
  garch11 = list(T = length(y), y = y, sigma1 = 2),
  logistic_digits = list(N = nrow(digits), D = 64, x = as.matrix(digits[, 1:64]) / 16, y = digits[, 65]))
for (name in names(codes)) {
  rds <- file.path(dir, paste0(name, ".rds"))
  if (file.exists(rds)) model <- readRDS(rds) else {
    model <- stan_model(model_code = codes[[name]])
    saveRDS(model, rds)
  }
  fit <- sampling(model, data = data[[name]], chains = 4, iter = 2000, warmup = 1000,
                  seed = seed, refresh = 0, cores = 2)
  sp <- get_sampler_params(fit, inc_warmup = TRUE)
  write.csv(data.frame(seconds = sum(get_elapsed_time(fit)),
                       leapfrogs = sum(sapply(sp, function(s) sum(s[, "n_leapfrog__"])))),
            file.path(dir, paste0(name, "_time.csv")), row.names = FALSE)
  x <- as.array(fit)
  x <- x[, , dimnames(x)[[3]] != "lp__", drop = FALSE]
  rows <- list()
  for (c in 1:dim(x)[2]) rows[[c]] <- cbind(chain = c, draw = 1:dim(x)[1], x[, c, ])
  write.csv(do.call(rbind, rows), file.path(dir, paste0(name, "_draws.csv")), row.names = FALSE)
}

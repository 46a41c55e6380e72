package model

import (
	"context"

	"github.com/goebm/goebm/tensor"
	"github.com/goebm/goebm/train"
)

// Fit trains the recipe c names on data, as ebm train does: its loss is
// built from the data by Config.NewLoss, then Train runs it.
func Fit(ctx context.Context, c Config, data *tensor.Tensor, o TrainOptions) (Model, train.Summary, error) {
	l, err := c.NewLoss(data)
	if err != nil {
		return nil, train.Summary{}, err
	}
	return Train(ctx, c, l, data, o)
}
